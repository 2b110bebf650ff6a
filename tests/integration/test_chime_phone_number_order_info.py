# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""voiceops.chime.chime_phone_number_order_info through real ansible-playbook runs.

Each test starts the emulator (tests/emulator) on a free port, points the module's
endpoint_url at it over HTTP, and checks both what the module returned and what the
emulator saw (its request counters prove retries, single attempts and zero-call failures).
"""

from __future__ import annotations

import json

import pytest
from chime_test_data import API_REFERENCE_SAMPLE  # tests/chime_test_data.py
from chime_test_data import api_order
from chime_test_data import expected_order

MODULE = "voiceops.chime.chime_phone_number_order_info"
TASK = "Read phone number orders"


# Small waits keep the suite fast while still going through the real backoff path.
FAST_RETRIES = {"retry_base_delay": 0.01, "retry_max_delay": 0.05}


def play(params, extra_task_keys=""):
    """A one-task playbook calling the module with ``params`` (JSON is valid YAML)."""
    return """
- name: Exercise {module}
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {task}
      {module}: {params}
{extra}""".format(module=MODULE, task=TASK, params=json.dumps(params), extra=extra_task_keys)


def run_module(run_ansible, params, *args):
    result = run_ansible.playbook(play(params), *args)
    return result, result.task(TASK)


def assert_failed_without_data(task):
    assert task["failed"] is True
    # A failure never carries a (partial) listing.
    for key in ("phone_numbers", "phone_number_orders", "pages"):
        assert key not in task, key
    assert "Traceback" not in task["msg"]


def list_status_counts(emulator):
    stats = emulator.stats()
    return stats["list_requests"], stats["by_status"]


# ---- data comes back exactly -----------------------------------------------------------------


def test_api_reference_sample_comes_back_byte_identical(emulator, run_ansible):
    emulator.set_orders(json.loads(API_REFERENCE_SAMPLE))
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert task["changed"] is False and task["pages"] == 1
    [order] = task["phone_number_orders"]
    # Compared as serialised JSON, not as parsed values: every string is the service's, unchanged.
    assert json.dumps(order, sort_keys=True) == json.dumps(
        {
            "phone_number_order_id": "abc12345-de67-89f0-123g-h45i678j9012",
            "product_type": "Voice Connector",
            "status": "Successful",
            "ordered_phone_numbers": [
                {"e164_phone_number": "+12065550100", "status": "Acquired"},
                {"e164_phone_number": "+12065550101", "status": "Acquired"},
            ],
            "created_timestamp": "2019-08-12T22:10:20.504Z",
            "updated_timestamp": "2019-08-12T22:10:31.186Z",
        },
        sort_keys=True,
    )
    assert task["phone_numbers"] == [
        {
            "e164_phone_number": number,
            "status": "Acquired",
            "phone_number_order_id": "abc12345-de67-89f0-123g-h45i678j9012",
            "order_status": "Successful",
            "product_type": "Voice Connector",
            "created_timestamp": "2019-08-12T22:10:20.504Z",
            "updated_timestamp": "2019-08-12T22:10:31.186Z",
        }
        for number in ("+12065550100", "+12065550101")
    ]
    # "NextToken": null ended the listing after one call.
    assert emulator.stats()["list_requests"] == 1


@pytest.mark.parametrize("emulator", [{"generate": 1000, "seed": 7}], indirect=True)
def test_1000_orders_across_11_pages_all_returned_order_by_order(emulator, run_ansible):
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 0, result.stderr
    served = emulator.orders()
    assert len(served) == 1000
    # The default namespace, chime_sdk_voice, pages by 100.
    assert task["pages"] == 10 == emulator.stats()["list_requests"]
    assert len(task["phone_number_orders"]) == 1000
    for position, (returned, served_order) in enumerate(zip(task["phone_number_orders"], served)):
        assert returned == expected_order(served_order), "order #{0} differs".format(position)
    # Generated numbers are distinct, so every number's entry comes from its only order.
    numbers = {
        number["E164PhoneNumber"]: (number["Status"], order["PhoneNumberOrderId"])
        for order in served
        for number in order["OrderedPhoneNumbers"]
    }
    assert [entry["e164_phone_number"] for entry in task["phone_numbers"]] == sorted(numbers)
    assert all(
        (entry["status"], entry["phone_number_order_id"]) == numbers[entry["e164_phone_number"]]
        for entry in task["phone_numbers"]
    )


def test_latest_order_decides_a_numbers_status(emulator, run_ansible):
    emulator.set_orders(
        [
            {
                "PhoneNumberOrderId": "new-order",
                "ProductType": "VoiceConnector",
                "Status": "Successful",
                "OrderedPhoneNumbers": [{"E164PhoneNumber": "+12065550100", "Status": "Acquired"}],
                "CreatedTimestamp": "2026-02-01T09:00:00Z",
                "UpdatedTimestamp": "2026-02-01T09:00:00Z",
            },
            {
                "PhoneNumberOrderId": "old-order",
                "ProductType": "VoiceConnector",
                "Status": "Failed",
                "OrderedPhoneNumbers": [{"E164PhoneNumber": "+12065550100", "Status": "Failed"}],
                # Later as text ('.' < 'Z' is false the other way round), earlier as an instant.
                "CreatedTimestamp": "2026-02-01T08:00:00.000Z",
                "UpdatedTimestamp": "2026-02-01T09:59:59.999+01:00",
            },
        ]
    )
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 0, result.stderr
    assert [(e["e164_phone_number"], e["status"], e["phone_number_order_id"]) for e in task["phone_numbers"]] == [
        ("+12065550100", "Acquired", "new-order")
    ]


# ---- retries and failures ------------------------------------------------------------------------


@pytest.mark.parametrize("emulator", [{"generate": 250}], indirect=True)
def test_throttling_of_the_first_3_requests_is_retried_and_succeeds(emulator, run_ansible):
    emulator.inject(throttle=3)
    result, task = run_module(run_ansible, dict(FAST_RETRIES, endpoint_url=emulator.url))
    assert result.returncode == 0, result.stderr
    assert task["pages"] == 3 and len(task["phone_number_orders"]) == 250
    list_requests, by_status = list_status_counts(emulator)
    # The three 429s were answered and asked again: 3 extra requests beyond the 3 pages.
    assert by_status == {"429": 3, "200": 3}
    assert list_requests == 6


@pytest.mark.parametrize("emulator", [{"generate": 250}], indirect=True)
def test_500_and_503_bursts_mid_listing_are_retried_with_nothing_lost(emulator, run_ansible):
    emulator.inject(fail_500=2, fail_503=2, after_requests=1)
    result, task = run_module(run_ansible, dict(FAST_RETRIES, endpoint_url=emulator.url))
    assert result.returncode == 0, result.stderr
    assert [order["phone_number_order_id"] for order in task["phone_number_orders"]] == [
        order["PhoneNumberOrderId"] for order in emulator.orders()
    ]
    assert list_status_counts(emulator)[1] == {"200": 3, "500": 2, "503": 2}


@pytest.mark.parametrize("emulator", [{"generate": 250}], indirect=True)
def test_throttling_beyond_max_attempts_fails_clearly_with_no_data(emulator, run_ansible):
    # The first page succeeds; the second is throttled past the budget: nothing may come back.
    emulator.inject(throttle=10, after_requests=1)
    result, task = run_module(run_ansible, dict(FAST_RETRIES, endpoint_url=emulator.url, max_attempts=3))
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "chime:ListPhoneNumberOrders failed after 3 attempt(s)" in task["msg"]
    assert "ThrottledClientException (HTTP 429)" in task["msg"]
    assert "max_attempts" in task["msg"]
    assert (task["error_code"], task["http_status"], task["attempts"]) == ("ThrottledClientException", 429, 3)
    assert list_status_counts(emulator) == (4, {"200": 1, "429": 3})


@pytest.mark.parametrize(
    "fault, code, http_status",
    [("forbidden", "ForbiddenException", 403), ("unauthorized", "UnauthorizedClientException", 401)],
)
def test_denied_fails_at_once_naming_the_iam_action(emulator, run_ansible, fault, code, http_status):
    emulator.inject(**{fault: 1})
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "chime:ListPhoneNumberOrders" in task["msg"] and code in task["msg"]
    assert task["iam_action"] == "chime:ListPhoneNumberOrders" and task["http_status"] == http_status
    assert emulator.stats()["requests"] == 1


def test_repeated_next_token_fails_instead_of_looping(emulator, run_ansible):
    emulator.generate(300)
    emulator.inject(repeat_token=True)
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "repeated a NextToken" in task["msg"]
    assert emulator.stats()["list_requests"] == 2


@pytest.mark.parametrize("fault", ["malformed", "truncated", "missing_key"])
def test_broken_pages_are_retried_then_the_listing_completes(emulator, run_ansible, fault):
    emulator.generate(150)
    emulator.inject(**{fault: 2})
    result, task = run_module(run_ansible, dict(FAST_RETRIES, endpoint_url=emulator.url))
    assert result.returncode == 0, result.stdout
    assert len(task["phone_number_orders"]) == 150 and task["pages"] == 2


def test_broken_pages_beyond_the_budget_fail_without_a_traceback(emulator, run_ansible):
    emulator.generate(150)
    emulator.inject(malformed=5)
    result, task = run_module(run_ansible, dict(FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2))
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "PhoneNumberOrders" in task["msg"] and task["error_code"] == "MalformedResponse"
    assert "Traceback" not in result.stdout + result.stderr


def test_read_timeout_is_retried_then_reported(emulator, run_ansible):
    emulator.generate(5)
    emulator.inject(latency=1.5)
    params = dict(FAST_RETRIES, endpoint_url=emulator.url, max_attempts=2, aws_config={"read_timeout": 0.3})
    result, task = run_module(run_ansible, params)
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "timeout: ReadTimeoutError" in task["msg"] and "failed after 2 attempt(s)" in task["msg"]


def test_connection_refused_fails_clearly(emulator, run_ansible):
    url = emulator.url
    emulator.stop()
    result, task = run_module(run_ansible, dict(FAST_RETRIES, endpoint_url=url, max_attempts=2))
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "connection failed" in task["msg"] and "endpoint_url" in task["msg"]


# ---- bad input fails before any request -------------------------------------------------------


# The whole matrix of bad module options (page sizes per namespace, api, E.164 junk, retry bounds,
# integers) is tests/faults/test_bad_input.py's, which runs on both lanes; these are the cases it does
# not repeat: the default namespace's page range, unknown regions, and the judge's own refusals.
BAD_INPUTS = [
    ({"page_size": 101}, "page_size must be an integer from 1 to 100 for api=chime_sdk_voice, got 101"),
    ({"page_size": 0, "api": "chime"}, "page_size must be an integer from 1 to 99 for api=chime, got 0"),
    ({"region": "mars-north-1"}, "region 'mars-north-1' has no Amazon Chime SDK Voice endpoint; use one of: "),
    ({"region": "us-east-10"}, "region 'us-east-10' has no Amazon Chime SDK Voice endpoint"),
    (
        {"expected": ["+12065550100"], "order_status": ["Successful"]},
        "order_status cannot be combined with expected",
    ),
    ({"expected": []}, "an empty list would check nothing"),
    ({"expected": ["+12065550100", 2065550101]}, "item 2 2065550101: a number, not a string: quote it"),
]


def test_bad_input_fails_before_any_request(emulator, run_ansible):
    # One playbook, one task per bad input (each would fail its own run the same way): a run each
    # would cost a second of ansible-playbook start-up per case for nothing.
    tasks = "".join(
        """
    - name: bad input {index}
      {module}: {params}
      ignore_errors: true
""".format(index=index, module=MODULE, params=json.dumps(dict(params, endpoint_url=emulator.url)))
        for index, (params, dummy) in enumerate(BAD_INPUTS)
    )
    result = run_ansible.playbook("- name: Bad input\n  hosts: localhost\n  gather_facts: false\n  tasks:" + tasks)
    problems = []
    for index, (params, expected) in enumerate(BAD_INPUTS):
        task = result.task("bad input {0}".format(index))
        if task.get("failed") is not True or expected not in task.get("msg", ""):
            problems.append("{0}: expected a failure with {1!r}, got {2!r}".format(params, expected, task.get("msg")))
    assert not problems, "\n".join(problems)
    assert emulator.stats()["requests"] == 0


def test_chime_sdk_voice_without_a_region_fails_before_any_request(emulator, run_ansible):
    # aws_env sets AWS_REGION, so clear it for this run only.
    result = run_ansible.playbook(
        play({"endpoint_url": emulator.url}), env={"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}
    )
    task = result.task(TASK)
    assert result.returncode == 2
    assert "api=chime_sdk_voice is regional and no region is set" in task["msg"], task["msg"]
    assert "AWS_REGION" in task["msg"]
    assert emulator.stats()["requests"] == 0


@pytest.mark.parametrize("emulator", [{"generate": 120}], indirect=True)
def test_the_default_namespace_signs_for_the_region_and_pages_by_100(emulator, run_ansible):
    result = run_ansible.playbook(
        play({"endpoint_url": emulator.url}), env={"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": ""}
    )
    task = result.task(TASK)
    assert result.returncode == 0, result.stdout
    assert task["pages"] == 2 and len(task["phone_number_orders"]) == 120
    assert not any("2026-02-20" in warning for warning in task.get("warnings") or [])
    stats = emulator.stats()
    assert stats["by_region"] == {"eu-central-1": 2}
    assert stats["by_api"] == {"chime-sdk-voice": 2}


@pytest.mark.parametrize("emulator", [{"generate": 3}], indirect=True)
def test_the_legacy_namespace_warns_that_its_service_reached_end_of_support(emulator, run_ansible):
    result, task = run_module(run_ansible, {"api": "chime", "endpoint_url": emulator.url + "/chime"})
    assert result.returncode == 0, result.stdout
    warnings = [warning for warning in task.get("warnings") or [] if "2026-02-20" in warning]
    assert len(warnings) == 1 and "api=chime_sdk_voice" in warnings[0]
    assert_no_deprecation(result, task)
    assert emulator.stats()["by_api"] == {"chime": 1}


def assert_no_deprecation(result, task):
    # amazon.aws 11 passes a module's warnings to exit_json, which ansible-core 2.19+ deprecates: a
    # DEPRECATION WARNING on every run that warned, which no user of ours could act on.
    assert not task.get("deprecations"), task.get("deprecations")
    assert "DEPRECATION" not in result.stdout + result.stderr, result.stderr


# ---- options -------------------------------------------------------------------------------------


def test_chime_sdk_voice_with_a_region_and_page_size_100(emulator, run_ansible):
    emulator.generate(230, api="chime-sdk-voice", region="eu-central-1")
    # The emulator serves the chime-sdk-voice namespace under this path prefix.
    params = {
        "api": "chime_sdk_voice",
        "region": "eu-central-1",
        "page_size": 100,
        "endpoint_url": emulator.url + "/chime-sdk-voice",
    }
    result, task = run_module(run_ansible, params)
    assert result.returncode == 0, result.stdout
    assert task["pages"] == 3
    served = emulator.orders("eu-central-1")
    assert task["phone_number_orders"] == [expected_order(order) for order in served]
    assert all("order_type" in order for order in task["phone_number_orders"])
    stats = emulator.stats()
    assert stats["by_region"] == {"eu-central-1": 3} and stats["by_api"] == {"chime-sdk-voice": 3}


def test_legacy_chime_signs_for_us_east_1_whatever_the_region(emulator, run_ansible):
    emulator.generate(3)
    result, task = run_module(run_ansible, {"api": "chime", "region": "eu-west-1", "endpoint_url": emulator.url})
    assert result.returncode == 0, result.stdout
    assert emulator.stats()["by_region"] == {"us-east-1": 1}


def test_phone_number_order_ids_known_and_unknown(emulator, run_ansible):
    emulator.generate(20)
    served = emulator.orders()
    wanted = [served[7]["PhoneNumberOrderId"], served[2]["PhoneNumberOrderId"]]
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url, "phone_number_order_ids": wanted})
    assert result.returncode == 0, result.stdout
    assert task["pages"] == 0
    assert task["phone_number_orders"] == [expected_order(served[7]), expected_order(served[2])]
    assert emulator.stats()["list_requests"] == 0 and emulator.stats()["get_requests"] == 2

    unknown = "00000000-0000-0000-0000-00000000dead"
    result, task = run_module(
        run_ansible, {"endpoint_url": emulator.url, "phone_number_order_ids": [wanted[0], unknown]}
    )
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "'{0}'".format(unknown) in task["msg"] and "not found" in task["msg"]


def test_filters_select_orders_and_numbers(emulator, run_ansible):
    def order(order_id, status, product_type, numbers):
        return {
            "PhoneNumberOrderId": order_id,
            "ProductType": product_type,
            "Status": status,
            "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": s} for e164, s in numbers],
            "CreatedTimestamp": "2026-01-01T00:00:00.000Z",
            "UpdatedTimestamp": "2026-01-01T00:00:00.000Z",
        }

    emulator.set_orders(
        [
            order("o1", "Successful", "VoiceConnector", [("+12065550100", "Acquired")]),
            order("o2", "Failed", "BusinessCalling", [("+12065550101", "Failed")]),
            order("o3", "Partial", "VoiceConnector", [("+12065550102", "Acquired"), ("+12065550103", "Failed")]),
        ]
    )
    result, task = run_module(
        run_ansible,
        {"endpoint_url": emulator.url, "order_status": ["Partial", "Failed"], "product_type": ["VoiceConnector"]},
    )
    assert result.returncode == 0, result.stdout
    assert [o["phone_number_order_id"] for o in task["phone_number_orders"]] == ["o3"]
    assert [n["e164_phone_number"] for n in task["phone_numbers"]] == ["+12065550102", "+12065550103"]

    # Numbers written the way people write them; the YAML integer form too.
    result = run_ansible.playbook(
        play({"endpoint_url": emulator.url}).replace(
            '"}', '", "phone_numbers": ["+1 (206) 555-0103", "+1.206.555.0100"]}'
        )
        + ""
    )
    task = result.task(TASK)
    assert result.returncode == 0, result.stdout
    assert [o["phone_number_order_id"] for o in task["phone_number_orders"]] == ["o1", "o3"]
    assert [n["e164_phone_number"] for n in task["phone_numbers"]] == ["+12065550100", "+12065550103"]

    yaml_int = """
- name: Unquoted YAML number
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {task}
      {module}:
        endpoint_url: {url}
        phone_numbers:
          - +12065550101
        include_orders: false
""".format(task=TASK, module=MODULE, url=emulator.url)
    # YAML reads it as the integer 12065550101: refused with a hint to quote it, before any call.
    requests = emulator.stats()["requests"]
    result = run_ansible.playbook(yaml_int)
    task = result.task(TASK)
    assert result.returncode == 2, result.stdout
    assert "12065550101" in task["msg"] and "quote it" in task["msg"]
    assert emulator.stats()["requests"] == requests


@pytest.mark.parametrize("emulator", [{"generate": 5}], indirect=True)
def test_validate_certs_false_warns_and_the_default_does_not(emulator, run_ansible):
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url, "validate_certs": False})
    assert result.returncode == 0, result.stdout
    assert len(task["phone_number_orders"]) == 5
    assert any("validate_certs is false" in warning for warning in task["warnings"]), task.get("warnings")
    assert_no_deprecation(result, task)
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert not any("validate_certs" in warning for warning in task.get("warnings") or [])


@pytest.mark.parametrize("emulator", [{"generate": 120}], indirect=True)
def test_check_mode_lists_and_reports_unchanged(emulator, run_ansible):
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url}, "--check")
    assert result.returncode == 0, result.stdout
    assert task["changed"] is False
    assert len(task["phone_number_orders"]) == 120 and task["pages"] == 2


@pytest.mark.parametrize("emulator", [{"generate": 30}], indirect=True)
def test_module_defaults_group_sets_the_endpoint(emulator, run_ansible):
    playbook = """
- name: Connection options set once
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/voiceops.chime.chime:
      endpoint_url: {url}
      page_size: 10
  tasks:
    - name: {task}
      {module}:
""".format(url=emulator.url, task=TASK, module=MODULE)
    result = run_ansible.playbook(playbook)
    assert result.returncode == 0, result.stdout + result.stderr
    task = result.task(TASK)
    assert len(task["phone_number_orders"]) == 30
    assert task["pages"] == 3
    assert emulator.stats()["list_requests"] == 3


# ---- secrets ---------------------------------------------------------------------------------------


def _secret_emulator_params(aws_env):
    keys = [aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]]
    return {"credentials": {aws_env["AWS_ACCESS_KEY_ID"]: keys}}


@pytest.fixture
def signing_emulator(aws_env):
    """An emulator that verifies SigV4 against the fake keys: a run that succeeds signed with them."""
    from chime_emulator import ChimeEmulator  # pylint: disable=import-error,import-outside-toplevel

    with ChimeEmulator(generate=150, **_secret_emulator_params(aws_env)) as emu:
        yield emu


def test_secrets_never_appear_in_verbose_output(signing_emulator, run_ansible, aws_env, tmp_path):
    secret, token = aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]
    log_path = tmp_path / "ansible.log"
    playbook = """
- name: Secrets stay secret
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Credentials from the environment
      {module}:
        endpoint_url: {url}
      register: from_env

    - name: Credentials as module options
      {module}:
        endpoint_url: {url}
        access_key: "{{{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}}}"
        secret_key: "{{{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}}}"
        session_token: "{{{{ lookup('ansible.builtin.env', 'AWS_SESSION_TOKEN') }}}}"
      register: from_options

    - name: A failure with the credentials as options
      {module}:
        endpoint_url: {url}
        access_key: "{{{{ lookup('ansible.builtin.env', 'AWS_ACCESS_KEY_ID') }}}}"
        secret_key: "{{{{ lookup('ansible.builtin.env', 'AWS_SECRET_ACCESS_KEY') }}}}"
        session_token: "{{{{ lookup('ansible.builtin.env', 'AWS_SESSION_TOKEN') }}}}"
        page_size: 5
        max_attempts: 1
      ignore_errors: true
      register: failed_run

    - name: Both listings succeeded and the failure failed
      ansible.builtin.assert:
        that:
          - from_env.phone_number_orders | length == 150
          - from_options.phone_number_orders | length == 150
          - failed_run is failed
""".format(module=MODULE, url=signing_emulator.url)
    # The third task's first request (the 5th in all) is refused, so the error path is shown too.
    signing_emulator.inject(forbidden=1, after_requests=4)
    result = run_ansible.playbook(playbook, "-vvvv", json_output=False, env={"ANSIBLE_LOG_PATH": str(log_path)})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "ok=4" in output and "ignored=1" in output
    assert "ForbiddenException" in output  # the failure really happened and was shown
    log_text = log_path.read_text(encoding="utf-8")
    for where, text in (("stdout/stderr", output), ("log", log_text)):
        assert secret not in text, where
        assert token not in text, where
    # Every signature verified against the fake keys: they were used, just never shown.
    stats = signing_emulator.stats()
    assert stats["by_status"] == {"200": 4, "403": 1}
    assert stats["by_error_code"] == {"ForbiddenException": 1}


def test_bad_signature_fails_once_naming_the_action_without_leaking(signing_emulator, run_ansible, aws_env):
    wrong_secret = "voiceops-FAKE-wrong-secret-also-never-printed"
    params = {"endpoint_url": signing_emulator.url, "secret_key": wrong_secret}
    result = run_ansible.playbook(play(params))
    task = result.task(TASK)
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert "InvalidSignatureException" in task["msg"] and "chime:ListPhoneNumberOrders" in task["msg"]
    assert signing_emulator.stats()["requests"] == 1
    verbose = run_ansible.playbook(play(params), "-vvvv", json_output=False)
    assert verbose.returncode == 2
    assert "InvalidSignatureException" in verbose.stdout
    for value in (wrong_secret, aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]):
        assert value not in result.stdout + result.stderr + verbose.stdout + verbose.stderr


def test_ansible_doc_renders_with_examples_and_return(run_ansible):
    result = run_ansible("ansible-doc", MODULE)
    assert result.returncode == 0, result.stderr
    for needle in (
        "page_size",
        "phone_number_order_ids",
        "EXAMPLES",
        "RETURN VALUES",
        "phone_numbers",
        "chime:ListPhoneNumberOrders",
        "endpoint_url",
    ):
        assert needle in result.stdout, needle


# ---- expected: the module judges and returns only the verdict ------------------------------


def test_expected_returns_the_verdict_instead_of_the_facts(emulator, run_ansible):
    emulator.set_orders(
        {
            "PhoneNumberOrders": [
                api_order(
                    "old",
                    "2026-01-01T00:00:00.000Z",
                    [("+12065550100", "Failed"), ("+12065550101", "Acquired")],
                    status="Partial",
                    created="2026-01-01T00:00:00.000Z",
                ),
                api_order(
                    "new",
                    "2026-02-01T00:00:00.000Z",
                    [("+12065550100", "Acquired"), ("+12065550102", "Failed")],
                    status="Partial",
                    created="2026-01-01T00:00:00.000Z",
                ),
            ]
        }
    )
    result, task = run_module(
        run_ansible, {"endpoint_url": emulator.url, "expected": ["+1 (206) 555-0100", "+12065550102", "+12065550199"]}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = task["compliance"]
    # The newer order acquired +12065550100 after the old one failed it.
    assert verdict["acquired"] == ["+12065550100"]
    assert verdict["failed"] == ["+12065550102"]
    assert verdict["missing"] == ["+12065550199"]
    assert verdict["unexpected"] == ["+12065550101"]
    assert verdict["passed"] is False
    # Only the verdict crossed to the controller.
    assert task["phone_numbers"] == [] and task["phone_number_orders"] == []


def test_invalid_expected_entry_fails_before_any_request(emulator, run_ansible):
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url, "expected": ["+12065550100", "call me"]})
    assert result.returncode != 0
    assert task["failed"] is True and "call me" in task["msg"]
    assert emulator.stats()["requests"] == 0


# ---- 0.2.0: the account's current numbers ----------------------------------------------------------


def current_state_orders():
    def order(order_id, numbers, day, status="Successful"):
        return {
            "PhoneNumberOrderId": order_id,
            "ProductType": "VoiceConnector",
            "Status": status,
            "OrderType": "New",
            "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": s} for e164, s in numbers],
            "CreatedTimestamp": "2026-03-%02dT10:00:00.000Z" % day,
            "UpdatedTimestamp": "2026-03-%02dT10:05:00.000Z" % day,
        }

    return [
        order("held", [("+12065550100", "Acquired"), ("+12065550101", "Acquired")], 1),
        order("deleted", [("+12065550102", "Acquired")], 2),
        order("queued", [("+12065550103", "Acquired")], 3),
        order("porting", [("+12065550104", "Processing")], 4, status="Processing"),
        order("failed", [("+12065550105", "Failed")], 5, status="Failed"),
    ]


def test_current_state_adds_what_the_account_holds_now(emulator, run_ansible):
    emulator.set_orders(current_state_orders())
    emulator.release_number("+12065550102")  # acquired, then deleted: gone from the account
    emulator.delete_number("+12065550103")  # acquired, now in the 7-day deletion queue
    emulator.set_number_status("+12065550101", "ReleaseFailed")
    emulator.set_number_status("+12065550104", "PortinInProgress")
    emulator.add_number("+12065550199", status="Assigned")  # held without any order
    result, task = run_module(
        run_ansible, {"endpoint_url": emulator.url, "current_state": True, "include_orders": False}
    )
    assert result.returncode == 0, result.stdout
    by_number = dict((entry["e164_phone_number"], entry) for entry in task["phone_numbers"])
    assert sorted(by_number) == [
        "+12065550100",
        "+12065550101",
        "+12065550102",
        "+12065550103",
        "+12065550104",
        "+12065550105",
        "+12065550199",
    ]
    assert [(e164, by_number[e164]["status"], by_number[e164]["account_status"]) for e164 in sorted(by_number)] == [
        ("+12065550100", "Acquired", "Unassigned"),
        ("+12065550101", "Acquired", "ReleaseFailed"),
        ("+12065550102", "Acquired", None),
        ("+12065550103", "Acquired", "DeleteInProgress"),
        ("+12065550104", "Processing", "PortinInProgress"),
        ("+12065550105", "Failed", None),
        ("+12065550199", None, "Assigned"),
    ]
    assert by_number["+12065550103"]["deletion_timestamp"]
    assert by_number["+12065550100"]["phone_number_id"] == "+12065550100"
    assert by_number["+12065550199"]["phone_number_order_id"] is None
    stats = emulator.stats()
    assert task["phone_number_pages"] >= 1 and task["pages"] == 1
    assert stats["list_requests"] == 1 and stats["by_operation"]["ListPhoneNumbers"] == task["phone_number_pages"]


def test_judging_with_current_state_names_released_numbers_and_why(emulator, run_ansible):
    emulator.set_orders(current_state_orders())
    emulator.release_number("+12065550102")
    emulator.delete_number("+12065550103")
    expected = ["+12065550100", "+12065550102", "+12065550103"]
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url, "current_state": True, "expected": expected})
    assert result.returncode == 0, result.stdout
    compliance = task["compliance"]
    assert compliance["current_state"] is True
    assert compliance["acquired"] == ["+12065550100"]
    assert compliance["released"] == ["+12065550102", "+12065550103"]
    assert compliance["passed"] is False
    reasons = dict((p["e164_phone_number"], p["reason"]) for p in compliance["problems"])
    assert reasons["+12065550102"] == "acquired in order deleted but no longer in the account"
    assert reasons["+12065550103"].startswith(
        "acquired in order queued but the account shows it as DeleteInProgress (deletion 20"
    )
    # Order history alone would have passed all three: that is what current_state is for.
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url, "expected": expected})
    assert task["compliance"]["passed"] is True and task["compliance"]["current_state"] is False


def test_a_denied_list_phone_numbers_fails_naming_the_action_and_how_to_turn_the_check_off(emulator, run_ansible):
    emulator.set_orders(current_state_orders())
    emulator.inject(deny_operations=["ListPhoneNumbers"])
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url, "current_state": True})
    assert result.returncode == 2
    assert_failed_without_data(task)
    assert task["iam_action"] == "chime:ListPhoneNumbers" and task["error_code"] == "ForbiddenException"
    assert "current_state: false" in task["msg"]
    # The orders alone still list.
    result, task = run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 0 and len(task["phone_numbers"]) == 6
