// Read an iCalendar stream on stdin and print, as JSON, what Mozilla's ical.js (the
// parser inside Thunderbird) makes of each VEVENT: its UID and DTSTART/DTEND as UTC
// ISO instants, computed from the VTIMEZONEs embedded in the stream itself.
//
// ical.js ships no zone database: a TZID it has not been given is read as floating
// local time. So every VTIMEZONE is registered first, and a DTSTART/DTEND whose TZID
// is not among them is an error (exit 2) rather than a silently wrong instant.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const root = new ICAL.Component(ICAL.parse(text));
const zones = [];
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(vtz);
  ICAL.TimezoneService.register(zone);
  zones.push(zone.tzid);
}

function instant(event, name) {
  const prop = event.component.getFirstProperty(name);
  if (!prop) return null;
  const tzid = prop.getParameter("tzid");
  if (tzid && !ICAL.TimezoneService.has(tzid)) {
    process.stderr.write(`no VTIMEZONE for TZID=${tzid}\n`);
    process.exit(2);
  }
  const time = prop.getFirstValue();
  if (time.isDate) return { date: time.toString() };
  if (tzid && time.zone.tzid !== tzid) {
    process.stderr.write(`ical.js did not attach ${tzid} (got ${time.zone.tzid})\n`);
    process.exit(2);
  }
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  return {
    utc: new Date(utc.toUnixTime() * 1000).toISOString().replace(".000Z", "Z"),
    tzid: tzid || null,
    offset: time.utcOffset(),
  };
}

const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    dtstart: instant(event, "dtstart"),
    dtend: instant(event, "dtend"),
  };
});

process.stdout.write(JSON.stringify({ timezones: zones, events }, null, 1) + "\n");
