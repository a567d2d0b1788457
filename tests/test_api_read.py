"""The read API for networks and municipalities, and problem+json on bad input."""

from __future__ import annotations

PROGRAMME_MEMBERS = {
    "nord": {"Tromsø", "Alta"},
    "vest": {"Bergen"},
    "agder-rogaland": {"Kristiansand", "Gjesdal", "Klepp", "Time", "Hå"},
    "telemark-vestfold-buskerud": {
        "Kongsberg",
        "Drammen",
        "Larvik",
        "Tønsberg",
        "Skien",
        "Bamble",
        "Fyresdal",
    },
    "ost": {"Asker", "Bærum", "Fredrikstad", "Grorud", "Bjerke"},
}


async def test_six_networks_with_their_counties(client):
    r = await client.get("/api/v1/networks")
    assert r.status_code == 200
    networks = {n["slug"]: n for n in r.json()}
    assert len(networks) == 6
    assert set(networks["nord"]["counties"]) == {"Finnmark", "Troms", "Nordland"}
    assert set(networks["agder-rogaland"]["counties"]) == {"Rogaland", "Aust-Agder", "Vest-Agder"}
    assert set(networks["ost"]["counties"]) == {"Oslo", "Akershus", "Østfold", "Hedmark", "Oppland"}
    for n in networks.values():
        assert n["member_count"] >= 2
        assert isinstance(n["coordinators"], list)


async def test_network_detail_lists_the_programme_members(client):
    for slug, names in PROGRAMME_MEMBERS.items():
        r = await client.get(f"/api/v1/networks/{slug}")
        assert r.status_code == 200
        body = r.json()
        members = {m["name"]: m for m in body["members"]}
        for name in names:
            assert any(name in n for n in members), f"{name} missing in {slug}"
        assert body["member_count"] == sum(m["status"] == "member" for m in body["members"])


async def test_oslo_districts_use_six_digit_numbers(client):
    r = await client.get("/api/v1/networks/ost")
    numbers = {m["name"]: m["municipality"] for m in r.json()["members"]}
    assert numbers["Bydel Grorud"] == "030110"
    assert numbers["Bydel Bjerke"] == "030109"


async def test_unknown_network_is_problem_404(client):
    r = await client.get("/api/v1/networks/atlantis")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "atlantis" in r.json()["detail"]


async def test_municipalities_by_county_name_or_number(client):
    by_name = await client.get("/api/v1/municipalities", params={"county": "rogaland"})
    by_number = await client.get("/api/v1/municipalities", params={"county": "11"})
    assert by_name.status_code == by_number.status_code == 200
    assert by_name.json() == by_number.json()
    names = {m["name"] for m in by_name.json()}
    assert {"Gjesdal", "Klepp", "Time", "Hå"} <= names
    assert all(m["county"] == "Rogaland" for m in by_name.json())
    kristiansand = [m for m in (await client.get("/api/v1/municipalities")).json()]
    assert {"number": "4204", "name": "Kristiansand"}.items() <= next(
        m for m in kristiansand if m["number"] == "4204"
    ).items()


async def test_unknown_county_is_a_clear_404(client):
    r = await client.get("/api/v1/municipalities", params={"county": "Narnia"})
    assert r.status_code == 404
    assert "Narnia" in r.json()["detail"]


async def test_bad_query_parameter_names_the_field(client):
    r = await client.get("/api/v1/municipalities", params={"county": "x" * 101})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "county" in r.json()["detail"]


async def test_unknown_path_and_wrong_method_are_problems(client):
    r = await client.get("/api/v1/does-not-exist")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404
    r = await client.delete("/api/v1/networks")
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "DELETE" in r.json()["detail"]


async def test_every_response_carries_a_request_id(client):
    r = await client.get("/health", headers={"X-Request-ID": "trace-123"})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "trace-123"
    r = await client.get("/health", headers={"X-Request-ID": "bad id\r\nx"})
    assert r.headers["x-request-id"] != "bad id\r\nx"


async def test_openapi_lists_the_read_api(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/v1/networks", "/api/v1/networks/{slug}", "/api/v1/municipalities"):
        assert path in paths
    assert (await client.get("/schema")).status_code == 200


async def test_ready_reports_the_database(client):
    r = await client.get("/ready")
    assert r.status_code == 200
    assert r.json()["checks"]["database"] == "ok"
    # no Redis in this run: mail goes through the in-process runner, which is up
    assert r.json()["queue"]["mode"] == "in-process"
    assert r.json()["queue"]["ok"] is True


async def test_home_page_is_norwegian_html(client):
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert 'lang="nb"' in r.text
    assert "Nettverk" in r.text
