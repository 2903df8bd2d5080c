"""Hostile and malformed input: cleaned, bounded, inert, and never a 500.

Three parts: the cleaning rules (a table), Hypothesis posting arbitrary
payloads to every public endpoint, and a corpus of hostile strings taken
through the whole enrollment and back out of `mentorat export`.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from support.mail import queued_mail, text_of
from support.people import FEEDBACK, MENTEE
from support.processes import mentorat
from support.service import JSON, SECRET, repo

# ----------------------------------------------------------------------- cleaning rules


@pytest.mark.parametrize("raw, cleaned", [
    ("  Awa Diallo  ", "Awa Diallo"),
    ("Zoe\u0301", "Zoé"),  # NFD typed on a Mac → NFC
    ("Awa\x00\x07 Di\x1ballo\x7f", "Awa Diallo"),
    ("A\u200bwa", "Awa"),  # zero-width space
    ("\ufeffAwa", "Awa"),  # byte-order mark
    ("Awa \u202egnp.exe", "Awa gnp.exe"),  # right-to-left override
    ("\u2066Awa\u2069", "Awa"),  # isolates
    ("👩\u200d💻", "👩\u200d💻"),  # the joiner inside an emoji stays
    ("👨\u200d👩\u200d👧\u200d👦", "👨\u200d👩\u200d👧\u200d👦"),
    ("\u200fمريم\u200f", "\u200fمريم\u200f"),  # right-to-left marks stay
    ("می\u200cخواهم", "می\u200cخواهم"),  # non-joiner stays (Persian)
    ("Awa\nDiallo", "AwaDiallo"),  # one-line fields hold one line
    ("\ud800Awa", "Awa"),  # a lone surrogate
])
def test_clean_text(raw, cleaned):
    from forms_service.text import clean_text

    assert clean_text(raw) == cleaned


@pytest.mark.parametrize("multiline", [False, True])
def test_the_printable_shortcut_cleans_exactly_like_the_character_rules(multiline):
    # clean_text skips its per-character rules when str.isprintable() holds: every
    # character of the Basic Multilingual Plane must come out the same either way.
    import unicodedata

    from forms_service.text import _keep, clean_text

    for code in range(0x10000):
        value = unicodedata.normalize("NFC", f"a{chr(code)}b")
        if not value.isprintable():
            continue
        by_rules = "".join(c for c in value if _keep(c, multiline)).strip()
        assert clean_text(value, multiline) == by_rules, hex(code)


def test_multiline_keeps_line_breaks_and_tabs():
    from forms_service.text import clean_multiline

    assert clean_multiline(" un\r\ndeux\rtrois\n\tquatre\x00 ") == "un\ndeux\ntrois\n\tquatre"


def test_unknown_fields_are_ignored_and_never_stored(app, client):
    intruders = {"status": "apparie", "reference": "M-AAAA-AAAA", "id": "99", "admin": "1",
                 "notes": "note forgée", "consented_at": "1999-01-01", "v": "7",
                 "notice_version": "0", "cohort": "forgée", "__proto__": "x"}
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, **intruders},
                           headers=JSON)
    assert response.status_code == 201
    [record] = repo(app).enrollments.all()
    assert record["status"] == "nouveau" and record["reference"] != "M-AAAA-AAAA"
    assert record["v"] == 1 and record["notice_version"] == "2026-12"
    assert record["consented_at"] != "1999-01-01" and record["cohort"] is None
    assert not {"admin", "notes", "__proto__"} & set(record)
    assert "forgée" not in json.dumps(record, ensure_ascii=False)


def test_answers_are_stored_cleaned(app, client):
    client.post("/api/formulaires/enrollment", headers=JSON, data={
        **MENTEE, "name": "  Zoe\u0301\x00 Lefe\u0300vre ", "job_title": "Chargée\u200b d'études",
        "comment": " Ligne 1\r\nLigne 2\x07 ", "goal_1": "Présenter 👩\u200d💻 en juin"})
    [record] = repo(app).enrollments.all()
    assert record["name"] == "Zoé Lefèvre" and record["job_title"] == "Chargée d'études"
    assert record["comment"] == "Ligne 1\nLigne 2"
    assert record["goals"] == ["Présenter 👩\u200d💻 en juin"]


ENROLLMENT_LIMITS = [("name", 120), ("job_title", 120), ("skills_sought_other", 120),
                     ("goal_1", 300), ("goal_2", 300), ("goal_3", 300), ("comment", 2000),
                     ("email", 254), ("manager_email", 254)]
FEEDBACK_LIMITS = [("what_works", 2000), ("what_is_hard", 2000), ("name", 120), ("email", 254)]


def too_long(field: str, limit: int) -> str:
    if "email" in field:
        return "a" * (limit - len("@exemple.fr") + 1) + "@exemple.fr"
    return "é" * (limit + 1)


@pytest.mark.parametrize("field, limit", ENROLLMENT_LIMITS)
def test_every_enrollment_text_is_bounded_without_truncation(app, client, field, limit):
    answers = {**MENTEE, "skills_sought": ["Négociation", "autre"],
               "skills_sought_other": "Écriture", field: too_long(field, limit)}
    response = client.post("/api/formulaires/enrollment", data=answers, headers=JSON)
    assert response.status_code == 400
    assert f"{limit} caractères au maximum." in response.get_json()["errors"][field]
    assert len(repo(app).enrollments) == 0
    exact = {**answers, field: "é" * limit} if "email" not in field else None
    if exact:
        assert client.post("/api/formulaires/enrollment", data=exact,
                           headers=JSON).status_code == 201
        stored = repo(app).enrollments.all()[0]
        values = stored["goals"] if field.startswith("goal_") else [stored[field]]
        assert "é" * limit in values


@pytest.mark.parametrize("field, limit", FEEDBACK_LIMITS)
def test_every_feedback_text_is_bounded(app, client, field, limit):
    answers = {**FEEDBACK, "identity": "signe", "name": "Awa", "email": "awa@exemple.fr",
               field: too_long(field, limit)}
    response = client.post("/api/formulaires/feedback", data=answers, headers=JSON)
    assert response.status_code == 400
    assert f"{limit} caractères au maximum." in response.get_json()["errors"][field]
    assert len(repo(app).feedback) == 0


def test_the_limit_counts_the_normalised_text(app, client):
    # 120 letters typed decomposed are 240 code points, but 120 characters once cleaned.
    response = client.post("/api/formulaires/enrollment", headers=JSON,
                           data={**MENTEE, "name": "e\u0301" * 120})
    assert response.status_code == 201
    assert repo(app).enrollments.all()[0]["name"] == "é" * 120


def test_a_too_long_answer_is_refused_in_the_page_too(app, client):
    response = client.post("/api/formulaires/enrollment", data={**MENTEE, "name": "x" * 121})
    assert response.status_code == 400
    assert "120 caractères au maximum." in response.get_data(as_text=True)


# ---------------------------------------------------------------- no input makes a 500


@pytest.fixture
def hostile_app(make_app):
    """One application for all the examples a Hypothesis test draws."""
    return make_app(max_content_length=16 * 1024)


FIELDS = ["name", "email", "department", "site", "job_title", "experience", "languages",
          "manager_email", "role", "track", "capacity", "skills_offered", "skills_sought",
          "skills_sought_other", "goal_1", "format", "rhythm", "availability",
          "department_preference", "comment", "consent", "checkpoint", "satisfaction",
          "progress", "meetings", "what_works", "identity", "lien", "rendu",
          "url_complementaire", "confirme", "csrf_token"]
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=100, max_size=3000),
    st.sampled_from(["", "0", "-1", "1e999", "NaN", "y", "on", "autre", "anonyme", "signe",
                     "mentor", "les_deux", "\x00", "\ud800", "%", "%zz", "é" * 5000]),
)
field_names = st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=30))
pairs = st.lists(st.tuples(field_names, text), max_size=30)  # repeated keys welcome
ENDPOINTS = ["/api/formulaires/enrollment", "/api/formulaires/feedback",
             "/api/formulaires/inconnu", "/api/formulaires/", "/api/mon-inscription/corriger",
             "/api/mon-inscription/retirer", "/api/mon-inscription/effacer",
             "/api/mon-inscription/lien"]
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain",
                 "multipart/form-data", "multipart/form-data; boundary=xyz",
                 "application/x-www-form-urlencoded; charset=latin-1", "", "image/png",
                 "application/x-www-form-urlencoded; charset=utf-16"]
ACCEPTS = ["application/json", "text/html", "*/*", "", "application/json;q=0, text/html;q=0",
           "zzz/\x7f"]
BOUNDED = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow, HealthCheck.data_too_large])


def urlencoded(fields) -> bytes:
    """Encode as a browser would, lone surrogates included (they become invalid UTF-8)."""
    return "&".join(f"{quote(k, safe='', errors='surrogatepass')}="
                    f"{quote(v, safe='', errors='surrogatepass')}" for k, v in fields).encode()


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert 200 <= response.status_code < 500


@BOUNDED
@given(path=st.sampled_from(ENDPOINTS), fields=pairs, accept=st.sampled_from(ACCEPTS),
       origin=st.sampled_from([None, "null", "http://localhost", "https://x.example", "%%"]))
def test_any_form_post_gets_an_answer_not_a_crash(hostile_app, path, fields, accept, origin):
    client = hostile_app.test_client()
    headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded",
               **({"Origin": origin} if origin else {})}
    with client.post(path, data=urlencoded(fields), headers=headers) as response:
        assert_no_server_error(response)


@BOUNDED
@given(path=st.sampled_from(ENDPOINTS), body=st.binary(max_size=20000),
       content_type=st.sampled_from(CONTENT_TYPES), accept=st.sampled_from(ACCEPTS))
def test_any_raw_body_gets_an_answer_not_a_crash(hostile_app, path, body, content_type, accept):
    client = hostile_app.test_client()
    headers = {"Accept": accept, "Content-Type": content_type} if content_type else \
        {"Accept": accept}
    with client.post(path, data=body, headers=headers) as response:
        assert_no_server_error(response)


@BOUNDED
@given(path=st.sampled_from(ENDPOINTS[:2]), fields=st.dictionaries(
    st.sampled_from(FIELDS), st.text(alphabet=st.characters(codec="utf-8"), max_size=300)))
def test_valid_looking_posts_with_odd_values_never_crash(hostile_app, path, fields):
    base = MENTEE if path.endswith("enrollment") else FEEDBACK
    answers = [(k, v) for k, vs in {**base, **fields}.items()
               for v in (vs if isinstance(vs, list) else [vs])]
    with hostile_app.test_client().post(path, data=urlencoded(answers), headers={
            **JSON, "Content-Type": "application/x-www-form-urlencoded"}) as response:
        assert_no_server_error(response)


PAGES = ["/formulaires/inscription/", "/formulaires/retour/", "/formulaires/merci/",
         "/formulaires/mon-inscription/", "/", "/charte/", "/healthz", "/api/formulaires/x",
         "/coordination/", "/formulaires/inconnu/"]


@BOUNDED
@given(path=st.sampled_from(PAGES), query=st.lists(st.tuples(
    st.sampled_from(["lien", "ref", "fait", "page", "q", "lien[]", ""]),
    st.one_of(st.text(max_size=200), st.binary(max_size=100).map(
        lambda b: b.decode("latin-1")))), max_size=6))
def test_any_query_string_gets_an_answer_not_a_crash(hostile_app, path, query):
    raw = "&".join(f"{quote(k, safe='')}={quote(v, safe='', errors='surrogatepass')}"
                   for k, v in query)
    with hostile_app.test_client().get(f"{path}?{raw}") as response:
        assert_no_server_error(response)


@pytest.mark.parametrize("raw", [b"lien=%ff%fe", b"lien=%C0%80&lien=x", b"\xff\xfe=\xff",
                                 b"email=a%00b@exemple.fr&email=c"])
def test_non_utf8_bytes_are_answered(hostile_app, raw):
    client = hostile_app.test_client()
    for path in ENDPOINTS:
        with client.post(path, data=raw, headers={
                "Content-Type": "application/x-www-form-urlencoded"}) as response:
            assert_no_server_error(response)
    with client.get(b"/formulaires/mon-inscription/?" .decode() + raw.decode("latin-1")) as page:
        assert_no_server_error(page)


# ------------------------------------------------------------------- the hostile corpus


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "</textarea><script>alert(document.cookie)</script>",
    "'; DROP TABLE inscriptions; --",
    "Robert'); DELETE FROM enrollments WHERE ('1'='1",
    "%s %d %(name)s {0} {name} {{7*7}} ${7*7} #{7*7} <%= 7*7 %>",
    "Awa \u202egnp.exe",
    "A\u200bw\u200ca\u200d Dia\u2060llo",
    "Zoe\u0301 Z\u0335\u0321a\u0300l\u0316g\u0358o",
    "👩\u200d💻 Awa 👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈",
    "\u200fمريم العلوي\u200f",
    "Awa\x00\x1b[31mDiallo\x7f",
    "=cmd|' /C calc'!A0",
    "&lt;b&gt; &amp; &#x3C;script&#x3E;",
    "\\u003cscript\\u003e javascript:alert(1)",
    "e\u0301" * 120,
]


def hostile_answers(number: int, value: str) -> dict:
    return {**MENTEE, "email": f"hostile{number}@exemple.fr", "name": value,
            "job_title": value[:120], "goal_1": value, "comment": f"{value}\n{value}"}


def test_hostile_strings_come_back_as_their_normalised_form_and_stay_inert(
        app, client, data_dir):
    from forms_service.text import clean_multiline, clean_text
    from forms_service.typography import french_spacing

    expected = {}
    for number, value in enumerate(HOSTILE):
        response = client.post("/api/formulaires/enrollment",
                               data=hostile_answers(number, value), headers=JSON)
        assert response.status_code == 201, (value, response.get_json())
        expected[f"hostile{number}@exemple.fr"] = value
    result = mentorat("export", "enrollment", "--format", "json", data_dir=data_dir,
                      MENTORAT_SECRET_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    records = {r["email"]: r for r in json.loads(result.stdout)}
    for email, value in expected.items():
        record, clean = records[email], clean_text(value)
        assert record["name"] == clean
        assert record["job_title"] == clean_text(value[:120])
        assert record["goals"] == [clean]
        assert record["comment"] == clean_multiline(f"{value}\n{value}")

    # Nothing typed reaches an address that has not acted yet.
    for message in queued_mail(app):
        assert text_of(message).startswith("Bonjour,")

    # Inert in the participant's page.
    from forms_service.mail.links import personal_link

    for record in records.values():
        link = personal_link("", app.secret_key, {"id": record["id"],
                                                  "reference": record["reference"]})
        page = client.get(link).get_data(as_text=True)
        assert_inert(page, record["name"])

    # Once the link was used, inert in the e-mails: plain text only, the name as typed
    # (cleaned).
    for message in queued_mail(app):
        assert message.get_content_type() == "text/plain" and not message.is_multipart()
        value = expected[message["To"]]
        assert french_spacing(f"Bonjour {clean_text(value)},") in text_of(message)


def assert_inert(page: str, value: str) -> None:
    assert str(escape(value)) in page, value
    if "<" in value:
        assert value not in page, value
    for tag in ("<script>alert", "<img src=x", "<svg onload"):
        assert tag not in page


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_are_escaped_in_the_rerendered_form(app, client, value):
    from forms_service.text import clean_multiline, clean_text

    answers = {**hostile_answers(0, value), "email": "pas-une-adresse"}
    response = client.post("/api/formulaires/enrollment", data=answers)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert_inert(page, clean_text(value))
    textarea = re.search(r'<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea.group(1).lstrip("\r\n") == str(escape(clean_multiline(f"{value}\n{value}")))
    assert len(repo(app).enrollments) == 0


@pytest.mark.parametrize("value", HOSTILE[:7])
def test_hostile_strings_are_escaped_in_json_answers(client, value):
    response = client.post("/api/formulaires/enrollment", headers=JSON,
                           data={**hostile_answers(0, value), "email": "x"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert value not in response.get_data(as_text=True)  # values are never echoed in JSON
