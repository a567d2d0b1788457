// The claim form's live prices: on every change, the filled-in lines go to
// POST /api/v1/claims/preview and the answer is written into the form's aria-live region.
// Every text shown comes from the page (data-text-*, data-money, data-locale), so the
// script holds no words of its own. Without this script the form still works: its
// "Calculate" button prices the lines on the server.
(function () {
  'use strict';
  const form = document.querySelector('form[data-preview]');
  if (!form) return;
  const out = document.getElementById('preview');
  const data = form.dataset;
  const digits = new Intl.NumberFormat(data.locale || undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  let asked = 0;

  function money(value) {
    const amount = digits.format(Number(value));
    return (data.money || '{amount}').replace('{amount}', amount);
  }

  function paragraph(text, muted) {
    const p = document.createElement('p');
    p.className = muted ? 'ds-paragraph muted' : 'ds-paragraph';
    p.textContent = text;
    return p;
  }

  function lines() {
    const found = [];
    for (const group of form.querySelectorAll('fieldset[data-kind]')) {
      const line = { kind: group.dataset.kind };
      let filled = false;
      for (const input of group.querySelectorAll('input[data-line-field]')) {
        let value = input.value.trim();
        if (value === '') continue;
        filled = true;
        const name = input.dataset.lineField;
        if (input.type === 'number') {
          line[name] = Number(value);
        } else {
          if (name === 'amount') value = value.replace(/[\s\u00a0]/g, '').replace(',', '.');
          line[name] = value;
        }
      }
      if (filled) {
        const legend = group.querySelector('legend');
        found.push({ line: line, label: legend ? legend.textContent.trim() : line.kind });
      }
    }
    return found;
  }

  function show(nodes) {
    out.replaceChildren(...nodes);
  }

  async function price() {
    const filled = lines();
    const mine = ++asked;
    if (!filled.length) {
      show([paragraph(data.textEmpty || '', true)]);
      return;
    }
    let body = null;
    try {
      const response = await fetch(data.previewUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Accept-Language': document.documentElement.lang || '',
        },
        body: JSON.stringify({ gathering: data.gathering, lines: filled.map((f) => f.line) }),
      });
      body = response.ok ? await response.json() : null;
    } catch (error) {
      body = null;
    }
    if (mine !== asked) return; // a newer change is on its way
    if (!body || !Array.isArray(body.lines)) {
      show([paragraph(data.textUnavailable || '', true)]);
      return;
    }
    const list = document.createElement('ul');
    list.className = 'ds-list';
    body.lines.forEach((line, i) => {
      const item = document.createElement('li');
      const strong = document.createElement('strong');
      strong.textContent = (filled[i] ? filled[i].label : line.kind) + ': ' + money(line.amount);
      item.append(strong, ' – ' + line.rule);
      list.append(item);
    });
    const sum = paragraph('');
    const strong = document.createElement('strong');
    strong.textContent = (data.textSum || '') + ': ' + money(body.total);
    sum.append(strong);
    show([list, sum]);
  }

  form.addEventListener('change', price);
})();
