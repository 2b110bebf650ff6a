# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""redact_text / redact_value: URL user info, AWS signing material and named secrets are cut."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.voiceops.chime.plugins.module_utils.redact import MIN_SECRET_LENGTH
from ansible_collections.voiceops.chime.plugins.module_utils.redact import REDACTED
from ansible_collections.voiceops.chime.plugins.module_utils.redact import REDACTED_ALTERNATIVE
from ansible_collections.voiceops.chime.plugins.module_utils.redact import Redactor
from ansible_collections.voiceops.chime.plugins.module_utils.redact import redact_text
from ansible_collections.voiceops.chime.plugins.module_utils.redact import redact_value

SECRET = "voiceops-FAKE-secret-key-must-never-be-printed"
TOKEN = "voiceops-FAKE-session-token-must-never-be-printed"
ACCESS_KEY_ID = "AKIAVOICEOPSFAKE0001"


# --------------------------------------------------------------------------- URL user info


@pytest.mark.parametrize(
    "text, expected",
    [
        ("http://user:pass@host:1/x", "http://host:1/x"),
        ("https://user@host", "https://host"),
        ("https://:pass@host/", "https://host/"),
        ("https://user:p@ss@host:8443/path?q=1#f", "https://host:8443/path?q=1#f"),  # unencoded @, as urlsplit reads it
        ("https://user:p%40ss@host", "https://host"),
        ("ftp://anonymous:me@ftp.example.com/pub", "ftp://ftp.example.com/pub"),
        ("socks5h://proxy-user:proxy-pass@10.0.0.1:1080", "socks5h://10.0.0.1:1080"),
        ("git+ssh://git@example.com/repo.git", "git+ssh://example.com/repo.git"),
        ("HTTPS://User:Pass@Host", "HTTPS://Host"),
        ("http://u:p@[::1]:8080/x", "http://[::1]:8080/x"),
        (
            'Could not connect to the endpoint URL: "http://u:p@127.0.0.1:9/"',
            'Could not connect to the endpoint URL: "http://127.0.0.1:9/"',
        ),
        ("endpoint_url='https://u:p@h:1' was refused", "endpoint_url='https://h:1' was refused"),
        ("{'endpoint_url': 'https://u:p@h'}", "{'endpoint_url': 'https://h'}"),
        ("<https://u:p@h/x>", "<https://h/x>"),
        ("two: http://a:b@one/ and http://c:d@two/", "two: http://one/ and http://two/"),
        ("next=http%3A%2F%2Fu%3Ap@h%2Fx", "next=http%3A%2F%2Fh%2Fx"),
        ("(http://u:p@h)", "(http://h)"),
    ],
)
def test_url_user_info_is_removed_wherever_the_url_sits(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8080",
        "mailto:ops@example.com",  # no authority, no user info
        "contact ops@example.com about https://example.com/x",
        "https://example.com/users/@me",  # "@" in the path, not in the authority
        "https://example.com/?who=a@b",
        "plain text",
        "",
    ],
)
def test_text_without_user_info_is_left_alone(text):
    assert redact_text(text) == text


def test_url_inside_a_repr_of_an_exception_loses_its_user_info():
    error = ValueError("Invalid endpoint: https://admin:%s@chime.example.com" % SECRET)
    assert redact_text(repr(error)) == "ValueError('Invalid endpoint: https://chime.example.com')"
    assert redact_text(json.dumps({"url": "https://admin:%s@h" % SECRET})) == '{"url": "https://h"}'


# --------------------------------------------------------------------------- AWS signing material


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "https://h/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAVOICEOPSFAKE0001%2F20261127%2Fus-east-1"
            "%2Fchime%2Faws4_request&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%2B%3D%3D&X-Amz-Signature=0123abcd",
            "https://h/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=********&X-Amz-Security-Token=********"
            "&X-Amz-Signature=********",
        ),
        (
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAVOICEOPSFAKE0001/20261127/us-east-1/chime/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc9",
            "Authorization: AWS4-HMAC-SHA256 Credential=********, SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=********",
        ),
        ("x-amz-security-token: IQoJb3JpZ2luX2Vj==", "x-amz-security-token: ********"),
        (
            "{'X-Amz-Security-Token': b'IQoJb3JpZ2luX2Vj', 'Host': 'h'}",
            "{'X-Amz-Security-Token': b'********', 'Host': 'h'}",
        ),
        ('{"aws_secret_access_key": "abc/def+ghi"}', '{"aws_secret_access_key": "********"}'),
        ("aws_session_token = IQoJb3JpZ2lu", "aws_session_token = ********"),
        ("my_secret_key=abcdef", "my_secret_key=********"),
        ("Signature=abc&SignatureVersion=4", "Signature=********&SignatureVersion=4"),
        ("key AKIAVOICEOPSFAKE0001 is not valid", "key ******** is not valid"),
        ("ASIAVOICEOPSFAKE0002", "********"),
    ],
)
def test_aws_signing_material_is_cut_and_its_name_kept(text, expected):
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SignatureVersion=4",
        "SignedHeaders=host;x-amz-date",
        "The request signature we calculated does not match the signature you provided.",
        "AKIA is how access key IDs start",
        "+12065550100",
    ],
)
def test_ordinary_text_about_signatures_is_left_alone(text):
    assert redact_text(text) == text


# --------------------------------------------------------------------------- named secrets


def test_named_secrets_are_masked_everywhere_in_the_text():
    text = "failed with key %s and token %s (again %s)" % (SECRET, TOKEN, SECRET)
    assert redact_text(text, [SECRET, TOKEN]) == "failed with key ******** and token ******** (again ********)"


def test_short_empty_and_missing_secrets_mask_nothing():
    text = "abc def 123 +12065550100"
    assert redact_text(text, ["", None, "abc", "123", True]) == text
    assert len("abcd") == MIN_SECRET_LENGTH
    assert redact_text(text + " abcd", ["abcd"]) == text + " " + REDACTED


def test_a_secret_containing_another_is_masked_whole():
    assert redact_text("x hunter2hunter2 y hunter2", ["hunter2", "hunter2hunter2"]) == "x ******** y ********"


def test_secrets_are_matched_literally_not_as_patterns():
    assert redact_text("a.b*c+d and aXbbc+d", ["a.b*c+d"]) == "******** and aXbbc+d"


def test_a_single_string_or_bytes_counts_as_one_secret():
    assert redact_text("x hunter2 y", "hunter2") == "x ******** y"
    assert redact_text("x hunter2 y", b"hunter2") == "x ******** y"


def test_a_secret_of_asterisks_uses_the_other_mask():
    assert redact_text("pw ***** here", ["*****"]) == "pw " + REDACTED_ALTERNATIVE + " here"


def test_a_secret_that_cutting_would_rebuild_loses_the_whole_text():
    # "a" + "a***" -> "a" + "********" holds "a***" again; the fixed point removes it.
    assert "a***" not in redact_text("aa***", ["a***"])


def test_non_strings_pass_through():
    assert redact_text(None, [SECRET]) is None
    assert redact_text(42, ["4242"]) == 42


# --------------------------------------------------------------------------- redact_value


def test_redact_value_walks_dicts_lists_and_tuples_keys_included():
    value = {
        "message": "https://u:%s@h failed" % SECRET,
        "nested": [{"reason": "token %s" % TOKEN}, ("Signature=abc",), 3, None, True],
        "key %s" % SECRET: 1.5,
        7: "seven",
    }
    assert redact_value(value, [SECRET, TOKEN]) == {
        "message": "https://h failed",
        "nested": [{"reason": "token ********"}, ["Signature=********"], 3, None, True],
        "key ********": 1.5,
        7: "seven",
    }


def test_redactor_reuses_its_compiled_secrets():
    redactor = Redactor([SECRET, "", "ab"])
    assert redactor.secrets == [SECRET]
    assert redactor.text(SECRET) == REDACTED
    assert redactor.value([SECRET]) == [REDACTED]


# --------------------------------------------------------------------------- properties

SECRETS = st.text(min_size=MIN_SECRET_LENGTH, max_size=20)


@given(st.text(max_size=60), SECRETS, st.text(max_size=60))
def test_property_the_redacted_text_never_contains_the_secret(before, secret, after):
    redacted = redact_text(before + secret + after, [secret])
    assert secret not in redacted


@given(st.text(max_size=80), st.lists(SECRETS, min_size=1, max_size=3))
def test_property_no_secret_survives_whatever_surrounds_it(text, secrets):
    mixed = text.join(secrets) + text
    redacted = redact_text(mixed, secrets)
    for secret in secrets:
        assert secret not in redacted


@given(st.text(max_size=80))
def test_property_redaction_is_idempotent_without_secrets(text):
    once = redact_text(text)
    assert redact_text(once) == once


AROUND = st.text(alphabet=st.characters(blacklist_characters="@:%=", blacklist_categories=("Cs",)), max_size=30)
# No whitespace (Zs, Zl, Zp, and the Cc controls \t \n ...): in prose it ends the URL.
USER_INFO = st.text(
    alphabet=st.characters(blacklist_characters="/?#", blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp")), max_size=30
)
HOSTS = st.from_regex(r"\A[a-z0-9](?:[a-z0-9.-]{0,20}[a-z0-9])?(?::[0-9]{1,5})?\Z")
SCHEMES = st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9+.-]{0,8}\Z")
AUTHORITY_ENDS = st.sampled_from(["", "/", "/path", "?q=1", "#frag", " and more", "' ", '")', "\n"])


@given(AROUND, SCHEMES, USER_INFO, HOSTS, AUTHORITY_ENDS, AROUND)
def test_property_user_info_is_removed_from_any_url_in_any_text(before, scheme, user_info, host, end, after):
    # "Signature://..." reads as "Signature:" + a value: signing material, cut as such.
    assume(scheme.lower() != "signature")
    url_text = before + scheme + "://" + user_info + "@" + host + end + after
    assert redact_text(url_text) == before + scheme + "://" + host + end + after


@given(SCHEMES, HOSTS, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!$&'()*+,;=", min_size=4, max_size=20))
def test_property_a_password_in_a_url_never_survives(scheme, host, password):
    assume(scheme.lower() != "signature")
    text = "repr: %r" % ("%s://user:%s@%s/x" % (scheme, password, host),)
    assert "user:" + password not in redact_text(text)
    assert password not in redact_text(text, [password])
