# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input: a clear error naming the offending value before any request, or correct handling.

Every failing case checks the emulator saw zero requests: input is validated before the
first API call, so a typo never costs a (possibly throttled, possibly logged) call.
"""

from __future__ import annotations

import json

import fault_harness as fh  # pylint: disable=import-error
import pytest

# Strings a spreadsheet, a ticket or a chat client can put in a list of numbers. Each must be
# rejected with the value shown (repr, so invisible characters are visible in the message).
UNICODE_JUNK = [
    "+1 206 555 0100\u200b",  # zero-width space after a real number
    "\u202e+12065550100",  # right-to-left override
    "+\u0661\u0662\u0660\u0666\u0665\u0665\u0665\u0660\u0661\u0660\u0660",  # Arabic-Indic digits
    "\uff0b\uff11\uff12\uff10\uff16\uff15\uff15\uff15\uff10\uff11\uff10\uff10",  # full-width +12065550100
    "\u260e +12065550100",  # a telephone sign
    "+1206555O100",  # a letter O for a zero
    "",  # an empty cell
]
UNICODE_IDS = ["zero-width-space", "rtl-override", "arabic-indic", "full-width", "phone-sign", "letter-o", "empty"]


def small_orders():
    def order(order_id, numbers, updated):
        return {
            "PhoneNumberOrderId": order_id,
            "ProductType": "VoiceConnector",
            "Status": "Successful",
            "OrderedPhoneNumbers": [{"E164PhoneNumber": number, "Status": "Acquired"} for number in numbers],
            "CreatedTimestamp": updated,
            "UpdatedTimestamp": updated,
        }

    return [
        order("o1", ["+12065550100", "+12065550101"], "2026-01-01T00:00:00.000Z"),
        order("o2", ["+12065550102"], "2026-01-02T00:00:00.000Z"),
    ]


# ---- module -----------------------------------------------------------------------------------------

# case id -> (module parameters, the words the failure message must contain). All cases run as
# tasks of one playbook (each ansible-playbook start-up costs ~1.5 s); each is judged on its own.
MODULE_BAD_INPUT = {
    # 0.2.0: chime_sdk_voice is the default namespace (1 to 100); the legacy chime one takes 1 to 99.
    "page_size-0": ({"page_size": 0}, "page_size must be an integer from 1 to 100 for api=chime_sdk_voice, got 0"),
    "page_size-100-on-chime": (
        {"page_size": 100, "api": "chime"},
        "page_size must be an integer from 1 to 99 for api=chime, got 100",
    ),
    "page_size-negative": (
        {"page_size": -5},
        "page_size must be an integer from 1 to 100 for api=chime_sdk_voice, got -5",
    ),
    "page_size-abc": ({"page_size": "abc"}, "page_size"),
    "page_size-101-on-chime_sdk_voice": (
        {"page_size": 101, "api": "chime_sdk_voice"},
        "from 1 to 100 for api=chime_sdk_voice, got 101",
    ),
    "api-unknown": ({"api": "chime-sdk"}, "value of api must be one of: chime, chime_sdk_voice, got: chime-sdk"),
    "api-wrong-case": ({"api": "CHIME"}, "value of api must be one of: chime, chime_sdk_voice, got: CHIME"),
    "max_attempts-0": ({"max_attempts": 0}, "max_attempts must be an integer from 1 to 100, got 0"),
    "max_attempts-101": ({"max_attempts": 101}, "max_attempts must be an integer from 1 to 100, got 101"),
    "retry_max_delay-negative": (
        {"retry_max_delay": -1},
        "retry_max_delay must be a number of seconds from 0 to 600, got -1.0",
    ),
    "e164-letters": ({"phone_numbers": ["+12065550100", "+1 206 CALL-NOW"]}, "'+1 206 CALL-NOW'"),
    "e164-no-plus": ({"phone_numbers": ["12065550100x"]}, "'12065550100x'"),
    "e164-mapping": ({"phone_numbers": [{"number": "+12065550100"}]}, "{'number': '+12065550100'}"),
    # 0.2.0 refuses integers everywhere (issue 11, defect 8): YAML made them, not the user.
    "e164-integer": (
        {"phone_numbers": ["+12065550100", 12065550101]},
        "invalid E.164 phone number 12065550101: a number, not a string: quote it in YAML",
    ),
}
for _case_id, _junk in zip(UNICODE_IDS, UNICODE_JUNK):
    # repr: the message shows invisible characters (\u200b, \u202e) as escapes, so a user can see them.
    MODULE_BAD_INPUT["e164-unicode-" + _case_id] = ({"phone_numbers": ["+12065550101", _junk]}, repr(_junk))


def test_module_rejects_each_bad_input_before_any_request(emulator, run_ansible):
    emulator.set_orders(small_orders())
    cases = {case_id: dict(params, endpoint_url=emulator.url) for case_id, (params, dummy) in MODULE_BAD_INPUT.items()}
    result = fh.playbook(run_ansible, fh.cases_play(cases))
    assert result.returncode == 0, result.stdout[-3000:]
    problems = []
    for case_id, (dummy, needle) in MODULE_BAD_INPUT.items():
        problems.extend(
            "{0}: {1}".format(case_id, problem)
            for problem in fh.task_failure_problems(result.task("case " + case_id), needle)
        )
    assert not problems, "\n".join(problems)
    fh.assert_no_traceback(result.stdout + result.stderr)
    assert emulator.stats()["requests"] == 0


def test_module_takes_a_single_number_given_as_a_string(emulator, run_ansible):
    # Ansible turns a plain string into a one-element list: one number needs no list.
    emulator.set_orders(small_orders())
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator.url, "phone_numbers": "+12065550100"})
    assert result.returncode == 0, result.stdout[-3000:]
    assert [entry["e164_phone_number"] for entry in task["phone_numbers"]] == ["+12065550100"]


def test_module_reads_numbers_written_with_unicode_spaces_and_punctuation(emulator, run_ansible):
    # A no-break space or a thin space is a separator like any other; the number is fine.
    emulator.set_orders(small_orders())
    numbers = ["+1\u00a0206\u00a0555\u00a00100", "+1\u2009(206)\u2009555-0102"]
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator.url, "phone_numbers": numbers})
    assert result.returncode == 0, result.stdout[-3000:]
    assert [entry["e164_phone_number"] for entry in task["phone_numbers"]] == ["+12065550100", "+12065550102"]


def test_module_counts_duplicate_numbers_once(emulator, run_ansible):
    emulator.set_orders(small_orders())
    numbers = ["+12065550100", "+1 (206) 555-0100", "+1 206-555-0100", "+1.206.555.0100"]
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator.url, "phone_numbers": numbers})
    assert result.returncode == 0, result.stdout[-3000:]
    assert [entry["e164_phone_number"] for entry in task["phone_numbers"]] == ["+12065550100"]
    assert [order["phone_number_order_id"] for order in task["phone_number_orders"]] == ["o1"]


def test_module_treats_an_empty_filter_list_as_no_filter(emulator, run_ansible):
    # The common Ansible reading of an empty list option ("{{ [] }}" from an empty variable):
    # unset. The orders come back complete, not filtered down to nothing.
    emulator.set_orders(small_orders())
    options = ("phone_numbers", "order_status", "product_type")
    result = fh.playbook(
        run_ansible, fh.cases_play({option: {"endpoint_url": emulator.url, option: []} for option in options})
    )
    assert result.returncode == 0, result.stdout[-3000:]
    for option in options:
        task = result.task("case " + option)
        assert [order["phone_number_order_id"] for order in task["phone_number_orders"]] == ["o1", "o2"], option


def test_module_passes_unicode_junk_from_the_service_through_unchanged(emulator, run_ansible):
    # The service's values are data, not input: returned exactly, never a crash.
    junk_order = {
        "PhoneNumberOrderId": "\u00e9\u00e8-\U0001f4de-\u202e-id",
        "ProductType": "Voice\u00a0Connector",
        "Status": "Successful\u200b",
        "OrderedPhoneNumbers": [
            {"E164PhoneNumber": "+12065550199", "Status": "Acquired"},
            {"E164PhoneNumber": "not a number \u260e", "Status": "Acquired"},
        ],
        "CreatedTimestamp": "not a timestamp",
        "UpdatedTimestamp": "2026-13-45T99:99:99Z",
    }
    emulator.set_orders([junk_order])
    result, task = fh.run_module(run_ansible, {"endpoint_url": emulator.url})
    assert result.returncode == 0, result.stdout[-3000:]
    assert task["phone_number_orders"] == [fh.expected_order(junk_order)]
    assert sorted(entry["e164_phone_number"] for entry in task["phone_numbers"]) == [
        "+12065550199",
        "not a number \u260e",
    ]


# ---- inputs that would make a check meaningless (issue 11, defect 4) ----------------------------------------

# One rule for every entry point (validate_check_inputs): an empty expected list checks nothing, and a
# filtered listing judges part of the account. 0.1.0's compliance module passed on expected: [] and
# the listing module returned passed: true, unexpected: [] with phone_numbers narrowing the listing.
MEANINGLESS_LISTING_INPUT = {
    "expected-empty": ({"expected": []}, "expected is empty"),
    "expected-fail_on_unexpected-phone_numbers": (
        {"expected": ["+12065550100"], "fail_on_unexpected": True, "phone_numbers": ["+12065550100"]},
        "phone_numbers cannot be combined with expected",
    ),
    "expected-phone_numbers": (
        {"expected": ["+12065550100"], "phone_numbers": ["+12065550101"]},
        "phone_numbers cannot be combined with expected",
    ),
    "expected-order_status": (
        {"expected": ["+12065550100"], "order_status": ["Failed"]},
        "order_status cannot be combined with expected",
    ),
    "expected-product_type": (
        {"expected": ["+12065550100"], "product_type": ["BusinessCalling"]},
        "product_type cannot be combined with expected",
    ),
    "expected-order_ids": (
        {"expected": ["+12065550100"], "phone_number_order_ids": ["o2"]},
        "phone_number_order_ids cannot be combined with expected",
    ),
    "expected-integer": ({"expected": ["+12065550100", 2065550101]}, "item 2 2065550101: a number, not a string"),
}
MEANINGLESS_COMPLIANCE_INPUT = {
    "expected-empty": ({"expected": []}, "expected is empty"),
    "expected-empty-with-reports": ({"expected": [], "report_dir": "REPORTS"}, "expected is empty"),
    "fail_on_unexpected-phone_numbers": (
        {"expected": ["+12065550100"], "fail_on_unexpected": True, "phone_numbers": ["+12065550100"]},
        "phone_numbers cannot be combined with expected",
    ),
    "order_status": (
        {"expected": ["+12065550100"], "order_status": ["Successful"]},
        "order_status cannot be combined with expected",
    ),
    "product_type-in-listing_options": (
        {"expected": ["+12065550100"], "listing_options": {"product_type": ["VoiceConnector"]}},
        "product_type cannot be combined with expected",
    ),
    "order_ids": (
        {"expected": ["+12065550100"], "phone_number_order_ids": ["o1"]},
        "phone_number_order_ids cannot be combined with expected",
    ),
}


def test_inputs_that_would_make_the_check_meaningless_are_refused_everywhere(emulator, run_ansible, tmp_path):
    emulator.set_orders(small_orders())
    report_dir = tmp_path / "reports"
    listing_cases = {
        case_id: dict(params, endpoint_url=emulator.url)
        for case_id, (params, dummy) in MEANINGLESS_LISTING_INPUT.items()
    }
    compliance_cases = {}
    for case_id, (params, dummy) in MEANINGLESS_COMPLIANCE_INPUT.items():
        params = dict(params, endpoint_url=emulator.url)
        if params.get("report_dir") == "REPORTS":
            params["report_dir"] = str(report_dir)
        compliance_cases[case_id] = params
    listing_play = fh.cases_play(listing_cases)
    compliance_tasks = fh.cases_play(compliance_cases, module=fh.COMPLIANCE_MODULE).split("  tasks:", 1)[1]
    filter_tasks = """
    - name: "filter expected-empty"
      ansible.builtin.debug:
        msg: "{{ [] | voiceops.chime.number_compliance([]) }}"
      ignore_errors: true

    - name: "filter expected-integer"
      ansible.builtin.debug:
        msg: "{{ [] | voiceops.chime.number_compliance(['+12065550100', 12065550101]) }}"
      ignore_errors: true

    - name: "filter expected-empty-fail_on_unexpected"
      ansible.builtin.debug:
        msg: "{{ [] | voiceops.chime.number_compliance([], fail_on_unexpected=true) }}"
"""
    text = listing_play.replace("case ", "listing ") + compliance_tasks.replace("case ", "compliance ") + filter_tasks
    result = fh.playbook(run_ansible, text)
    assert result.returncode == 0, result.stdout[-3000:]
    problems = []
    for prefix, cases in (("listing ", MEANINGLESS_LISTING_INPUT), ("compliance ", MEANINGLESS_COMPLIANCE_INPUT)):
        for case_id, (dummy, needle) in cases.items():
            task = result.task(prefix + case_id)
            problems.extend(
                "{0}{1}: {2}".format(prefix, case_id, problem) for problem in fh.task_failure_problems(task, needle)
            )
            if prefix == "compliance " and task.get("check", {}).get("verdict") != "error":
                problems.append("{0}{1}: check is not an error verdict: {2}".format(prefix, case_id, task.get("check")))
    for case_id, needle in (("expected-empty", "expected is empty"), ("expected-integer", "quote it")):
        task = result.task("filter " + case_id)
        if not task.get("failed") or needle not in task.get("msg", ""):
            problems.append("filter {0}: not refused with {1!r}: {2}".format(case_id, needle, task))
    # With fail_on_unexpected an empty list is a check of its own: the account must hold nothing.
    allowed = result.task("filter expected-empty-fail_on_unexpected")["msg"]
    if allowed.get("passed") is not True:
        problems.append("filter: [] with fail_on_unexpected over no numbers should pass: {0}".format(allowed))
    assert not problems, "\n".join(problems)
    fh.assert_no_traceback(result.stdout + result.stderr)
    # The refused input left an error set in the report directory the task was given.
    fh.assert_error_report_set(report_dir, "expected is empty", error_code="InvalidInput")
    assert emulator.stats()["requests"] == 0


# ---- retry options out of bounds (issue 11, defect 5) ------------------------------------------------------

# YAML's own spellings (.nan, .inf) and the strings Python's float() reads; each is refused naming the
# option and the value, before any request. 0.1.0 crashed in time.sleep ("Invalid value NaN" on 2.21, a
# traceback on 2.17) or slept for years.
RETRY_VALUES = [
    (".nan", "nan"),
    (".inf", "inf"),
    ("-.inf", "-inf"),
    ("'1e300'", "1e+300"),
    ("1.0e+9", "1000000000.0"),
    ("601", "601.0"),
    ("'NaN'", "nan"),
    ("'-Infinity'", "-inf"),
]
RETRY_OPTIONS = ("retry_base_delay", "retry_max_delay")


def retry_needle(option, shown):
    return "{0} must be a number of seconds from 0 to 600, got {1}".format(option, shown)


def test_module_refuses_retry_delays_that_are_not_finite_and_sane(emulator, run_ansible):
    emulator.set_orders(small_orders())
    tasks = []
    for option in RETRY_OPTIONS:
        for index, (literal, dummy) in enumerate(RETRY_VALUES):
            tasks.append("""
    - name: "case {option} {index}"
      {module}:
        endpoint_url: {url}
        {option}: {literal}
      ignore_errors: true
""".format(option=option, index=index, module=fh.MODULE, url=emulator.url, literal=literal))
    text = "\n- name: Retry bounds\n  hosts: localhost\n  gather_facts: false\n  tasks:" + "".join(tasks)
    result = fh.playbook(run_ansible, text)
    assert result.returncode == 0, result.stdout[-3000:]
    problems = []
    for option in RETRY_OPTIONS:
        for index, (literal, shown) in enumerate(RETRY_VALUES):
            task = result.task("case {0} {1}".format(option, index))
            problems.extend(
                "{0}={1}: {2}".format(option, literal, problem)
                for problem in fh.task_failure_problems(task, retry_needle(option, shown))
            )
    assert not problems, "\n".join(problems)
    fh.assert_no_traceback(result.stdout + result.stderr)
    assert emulator.stats()["requests"] == 0


def test_inventory_refuses_retry_delays_that_are_not_finite_and_sane(emulator, run_ansible, tmp_path):
    emulator.set_orders(small_orders())
    sources = []
    needles = []
    for option in RETRY_OPTIONS:
        for index, (literal, shown) in enumerate(RETRY_VALUES):
            path = tmp_path / "{0}-{1}.chime_phone_numbers.yml".format(option, index)
            path.write_text(
                "plugin: {0}\nendpoint_url: {1}\n{2}: {3}\n".format(fh.INVENTORY_PLUGIN, emulator.url, option, literal),
                encoding="utf-8",
            )
            sources += ["-i", str(path)]
            needles.append(retry_needle(option, shown))
    # Every source is tried (each failure is a warning); one run checks them all.
    run = run_ansible(
        "ansible-inventory",
        *sources,
        "--list",
        timeout=fh.COMMAND_TIMEOUT,
        env={"ANSIBLE_INVENTORY_UNPARSED_FAILED": "false"},
    )
    output = fh.flatten(run.stdout + run.stderr)
    missing = [needle for needle in needles if needle not in output]
    assert not missing, "not refused as expected: {0}\n{1}".format(missing, output[-3000:])
    fh.assert_no_traceback(output)
    # And a pipeline's setting turns one such source into a failed command.
    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": emulator.url, "retry_max_delay": "nan"})
    assert run.returncode != 0 and retry_needle("retry_max_delay", "nan") in run.output
    assert emulator.stats()["requests"] == 0


# ---- unusable endpoints fail at once (issue 11, defect 7) ---------------------------------------------------

# Nothing can be sent to these: one clear message naming endpoint_url, no retries (0.1.0 took 8 attempts
# and then blamed "pages that are not the documented shape").
UNUSABLE_ENDPOINTS = {
    "port-99999": ("http://127.0.0.1:99999", "Port out of range"),
    "port-0": ("http://127.0.0.1:0", "port 0"),
    "port-not-a-number": ("http://127.0.0.1:80a", "Port could not be cast"),
    "scheme-ftp": ("ftp://127.0.0.1:8080", "the scheme must be http or https"),
    "no-scheme": ("127.0.0.1:8080", "the scheme must be http or https"),
    "no-host": ("http://:8080", "it has no host"),
    "broken-ipv6": ("http://[::1:8080", "Invalid IPv6 URL"),
}


def test_module_fails_at_once_on_an_unusable_endpoint(run_ansible):
    # The default retry budget (8 attempts, waits up to 10 s): a retried case would show as attempts.
    cases = {case_id: {"endpoint_url": url} for case_id, (url, dummy) in UNUSABLE_ENDPOINTS.items()}
    result = fh.playbook(run_ansible, fh.cases_play(cases))
    assert result.returncode == 0, result.stdout[-3000:]
    problems = []
    for case_id, (url, needle) in UNUSABLE_ENDPOINTS.items():
        task = result.task("case " + case_id)
        problems.extend(
            "{0}: {1}".format(case_id, problem)
            for problem in fh.task_failure_problems(task, "endpoint_url {0!r} is not a usable URL".format(url), needle)
        )
        if task.get("error_code") != "InvalidEndpoint" or task.get("attempts") is not None:
            problems.append("{0}: not refused before any attempt: {1}".format(case_id, task))
        if "documented shape" in task.get("msg", "") or "attempt(s)" in task.get("msg", ""):
            problems.append("{0}: {1}".format(case_id, task.get("msg")))
    assert not problems, "\n".join(problems)


def test_inventory_and_role_fail_at_once_on_port_99999(emulator, run_ansible, tmp_path):
    emulator.set_orders(small_orders())
    url = "http://127.0.0.1:99999"
    run = fh.run_inventory(run_ansible, tmp_path, {"endpoint_url": url})
    assert run.returncode != 0
    assert "endpoint_url 'http://127.0.0.1:99999' is not a usable URL" in run.output, run.output[-3000:]
    assert "documented shape" not in run.output and "attempt(s)" not in run.output
    fh.assert_no_traceback(run.output)

    report_dir = tmp_path / "reports"
    result = fh.playbook(
        run_ansible,
        fh.role_play(
            {
                "assert_numbers_acquired_expected": ["+12065550100"],
                "assert_numbers_acquired_endpoint_url": url,
                "assert_numbers_acquired_report_dir": str(report_dir),
            }
        ),
    )
    message = fh.assert_clean_failure(result, fh.failed_task(result), "is not a usable URL")
    assert "documented shape" not in message and "attempt(s)" not in message
    fh.assert_error_report_set(report_dir, "is not a usable URL", error_code="InvalidEndpoint")


# ---- integers in expected lists (issue 11, defect 8) -------------------------------------------------------

# Written unquoted in a YAML vars file, as people do: YAML reads 2065550101 as an integer (0.1.0 made it
# +2065550101, country code 20) and 012065550102 as the octal 1356255298 (0.1.0: +1356255298).
UNQUOTED_VARS = """expected_numbers:
  - "+12065550100"
  - 2065550101
  - 012065550102
"""


def test_integers_from_an_unquoted_yaml_list_are_refused_with_a_hint_to_quote_them(emulator, run_ansible, tmp_path):
    emulator.set_orders(small_orders())
    vars_file = tmp_path / "expected.yml"
    vars_file.write_text(UNQUOTED_VARS, encoding="utf-8")
    report_dir = tmp_path / "reports"
    playbook = """
- name: Integers in the expected list
  hosts: localhost
  gather_facts: false
  vars_files:
    - {vars_file}
  tasks:
    - name: Module
      {module}:
        endpoint_url: {url}
        expected: "{{{{ expected_numbers }}}}"
      ignore_errors: true

    - name: Filter
      ansible.builtin.debug:
        msg: "{{{{ [] | voiceops.chime.number_compliance(expected_numbers) }}}}"
      ignore_errors: true

    - name: Role
      block:
        - name: Run the role
          ansible.builtin.include_role:
            name: {role}
          vars:
            assert_numbers_acquired_expected: "{{{{ expected_numbers }}}}"
            assert_numbers_acquired_endpoint_url: {url}
            assert_numbers_acquired_report_dir: {report_dir}
      rescue:
        - name: Role message
          ansible.builtin.debug:
            msg: "{{{{ assert_numbers_acquired_result.message }}}}"
""".format(vars_file=vars_file, module=fh.MODULE, url=emulator.url, role=fh.ROLE, report_dir=report_dir)
    result = fh.playbook(run_ansible, playbook)
    assert result.returncode == 0, result.stdout[-3000:]
    messages = {
        "module": result.task("Module")["msg"],
        "filter": result.task("Filter")["msg"],
        "role": result.task("Role message")["msg"],
    }
    for where, message in messages.items():
        # Both entries named with their positions (from 1) and the value YAML made of them; never judged.
        assert "2 invalid entries" in message, (where, message)
        assert "item 2 2065550101: a number, not a string: quote it in YAML" in message, (where, message)
        assert "item 3 1356255298: a number, not a string: quote it in YAML" in message, (where, message)
        assert "+2065550101" not in message and "+1356255298" not in message, (where, message)
    assert result.task("Module")["failed"] is True and result.task("Filter")["failed"] is True
    fh.assert_error_report_set(report_dir, "quote it in YAML", error_code="InvalidInput")
    assert emulator.stats()["requests"] == 0


# ---- inventory plugin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, needle",
    [
        ({"page_size": 0}, "page_size must be an integer from 1 to 100 for api=chime_sdk_voice, got 0"),
        ({"page_size": 100, "api": "chime"}, "page_size must be an integer from 1 to 99 for api=chime, got 100"),
        ({"page_size": "abc"}, "page_size"),
        ({"api": "chime-sdk"}, "chime-sdk"),
        ({"max_attempts": 0}, "max_attempts must be an integer from 1 to 100, got 0"),
        ({"hostvars_prefix": "9-bad"}, "hostvars_prefix"),
        ({"order_status": [""]}, "order_status entries must be non-empty strings"),
    ],
    ids=[
        "page_size-0",
        "page_size-100-chime",
        "page_size-abc",
        "api-unknown",
        "max_attempts-0",
        "prefix",
        "empty-status",
    ],
)
def test_inventory_rejects_bad_options_before_any_request(emulator, run_ansible, tmp_path, options, needle):
    emulator.set_orders(small_orders())
    run = fh.run_inventory(run_ansible, tmp_path, dict(options, endpoint_url=emulator.url))
    assert run.returncode != 0
    assert needle in run.output, run.output[-3000:]
    fh.assert_no_traceback(run.output)
    assert emulator.stats()["requests"] == 0


# ---- role ------------------------------------------------------------------------------------------------


def run_role(run_ansible, emulator, expected, **role_vars):
    role_vars = dict(
        role_vars, assert_numbers_acquired_expected=expected, assert_numbers_acquired_endpoint_url=emulator.url
    )
    return fh.playbook(run_ansible, fh.role_play(role_vars))


def test_role_names_every_invalid_expected_entry_and_its_position(emulator, run_ansible):
    emulator.set_orders(small_orders())
    # Valid entries at even positions, every kind of junk at the odd ones.
    expected = []
    for junk in ["+1 206 CALL-NOW"] + UNICODE_JUNK:
        expected.extend(["+12065550100", junk])
    result = run_role(run_ansible, emulator, expected)
    message = fh.assert_clean_failure(result, fh.failed_task(result), "8 invalid entries")
    # Positions count from 1, as people count list items (0.2.0): the junk sits at 2, 4, ... 16.
    for index in range(1, len(expected), 2):
        assert "item {0} {1!r}".format(index + 1, expected[index]) in message
    assert "item 1 " not in message and "item 3 " not in message
    assert emulator.stats()["requests"] == 0


def test_role_counts_duplicates_once_and_passes(emulator, run_ansible, tmp_path):
    emulator.set_orders(small_orders())
    report_dir = tmp_path / "reports"
    expected = ["+12065550100", "+1 (206) 555-0100", "+1.206.555.0100", "+12065550102"]
    result = run_role(run_ansible, emulator, expected, assert_numbers_acquired_report_dir=str(report_dir))
    assert result.returncode == 0, result.stdout[-3000:]
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert report["result"]["passed"] is True
    assert report["result"]["counts"]["expected"] == 2
    assert report["result"]["duplicates"] == ["+12065550100"]


def test_role_refuses_an_empty_expected_list(emulator, run_ansible):
    # An empty list checks nothing; passing it would be a green build that proves nothing.
    emulator.set_orders(small_orders())
    result = run_role(run_ansible, emulator, [])
    # 0.2.0: one rule for every entry point (validate_check_inputs), so the role says what the module says.
    message = fh.assert_clean_failure(
        result, fh.failed_task(result), "expected is empty", "an empty list would check nothing", "fail_on_unexpected"
    )
    assert fh.role_fact(result)["verdict"] == "error" and fh.role_fact(result)["message"] == message
    assert emulator.stats()["requests"] == 0


def test_role_with_an_empty_expected_list_and_fail_on_unexpected_checks_the_account_owns_nothing(emulator, run_ansible):
    emulator.set_orders(small_orders())
    result = run_role(run_ansible, emulator, [], assert_numbers_acquired_fail_on_unexpected=True)
    message = fh.assert_clean_failure(result, fh.failed_task(result))
    assert "+12065550100" in message and "unexpected" in message

    emulator.set_orders([])
    result = run_role(run_ansible, emulator, [], assert_numbers_acquired_fail_on_unexpected=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_role_rejects_a_mapping_instead_of_an_expected_list(emulator, run_ansible):
    emulator.set_orders(small_orders())
    result = fh.playbook(
        run_ansible,
        fh.role_play(
            {
                "assert_numbers_acquired_expected": {"+12065550100": True},
                "assert_numbers_acquired_endpoint_url": emulator.url,
            }
        ),
    )
    message = fh.assert_clean_failure(result, fh.failed_task(result))
    assert "assert_numbers_acquired_expected" in message
    assert emulator.stats()["requests"] == 0


# ---- values of the wrong kind are named as the user wrote them -----------------------------------------------

# 0.2.0 named Python's and ansible-core's classes: "groups must be a mapping ..., got _AnsibleLazyTemplateList"
# on 2.21 (and "got list" on 2.17), "got NoneType", "got str". Jinja hands the filter each value below.
FILTER_WRONG_KINDS = {
    "groups-a-list": (
        "hostvars | voiceops.chime.number_compliance(['+12065550100'], groups=groups['all'])",
        "groups must be a mapping of group name to host names, got a list of 0 items",  # no inventory: all is empty
    ),
    "hostvars-a-list": (
        "groups['all'] | voiceops.chime.number_compliance(['+12065550100'], groups=groups)",
        "the inventory's hostvars (a mapping of host name to variables), got a list of 0 items",
    ),
    "expected-a-string": (
        "[] | voiceops.chime.number_compliance('+12065550100')",
        "expected numbers must be a list of E.164 numbers, got the string '+12065550100'",
    ),
    "expected-a-mapping": (
        "[] | voiceops.chime.number_compliance({'+12065550100': true})",
        "expected numbers must be a list of E.164 numbers, got a mapping of 1 item",
    ),
    "expected-null": ("[] | voiceops.chime.number_compliance(none)", "E.164 numbers, got null"),
    "facts-a-number": (
        "5 | voiceops.chime.number_compliance(['+12065550100'])",
        "phone number facts must be a list or a mapping, got the number 5",
    ),
    "fact-a-string": (
        "['+12065550100'] | voiceops.chime.number_compliance(['+12065550100'])",
        "each phone number fact must be a mapping, got the string '+12065550100'",
    ),
    "hostvars_prefix-a-number": (
        "[] | voiceops.chime.number_compliance(['+12065550100'], hostvars_prefix=5)",
        "hostvars_prefix must be a string, got the number 5",
    ),
}
CLASS_NAMES = ("_Ansible", "AnsibleUnsafe", "NoneType", "got list", "got dict", "got str", "got int")


def test_filter_names_values_of_the_wrong_kind_as_yaml_does_not_by_class(run_ansible):
    tasks = "".join("""
    - name: "case {0}"
      ansible.builtin.debug:
        msg: "{{{{ {1} }}}}"
      ignore_errors: true
""".format(case_id, expression) for case_id, (expression, dummy) in FILTER_WRONG_KINDS.items())
    result = fh.playbook(
        run_ansible, "- name: Wrong kinds\n  hosts: localhost\n  gather_facts: false\n  tasks:" + tasks
    )
    assert result.returncode == 0, result.stdout[-3000:]
    problems = []
    for case_id, (dummy, needle) in FILTER_WRONG_KINDS.items():
        task = result.task("case " + case_id)
        problems.extend("{0}: {1}".format(case_id, problem) for problem in fh.task_failure_problems(task, needle))
        problems.extend(
            "{0}: {1!r} in {2}".format(case_id, name, task.get("msg"))
            for name in CLASS_NAMES
            if name in task.get("msg", "")
        )
    assert not problems, "\n".join(problems)
    fh.assert_no_traceback(result.stdout + result.stderr)


# ---- 100,000 expected numbers ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("emulator", [{"generate": 40000, "seed": 41}], indirect=True)
def test_role_judges_100000_expected_numbers_with_complete_reports(emulator, run_ansible, tmp_path):
    acquired = sorted(number for number, status in fh.served_numbers(emulator.orders()).items() if status == "Acquired")
    assert len(acquired) >= 100000
    expected = acquired[:100000]
    vars_file = tmp_path / "expected.json"
    report_dir = tmp_path / "reports"
    vars_file.write_text(json.dumps({"assert_numbers_acquired_expected": expected}), encoding="utf-8")
    text = fh.role_play(
        {"assert_numbers_acquired_endpoint_url": emulator.url, "assert_numbers_acquired_report_dir": str(report_dir)}
    )
    result = fh.playbook(run_ansible, text, "-e", "@" + str(vars_file), timeout=900)
    assert result.returncode == 0, result.stdout[-3000:]
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert report["result"]["passed"] is True
    assert report["result"]["counts"]["expected"] == 100000
    assert report["result"]["counts"]["acquired"] == 100000
    junit = (report_dir / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase ") == 100000


@pytest.mark.slow
def test_role_with_100000_missing_numbers_fails_with_a_bounded_message(emulator, run_ansible, tmp_path):
    # None of the numbers exists: the message names 50 and counts the rest; the reports list all.
    emulator.set_orders(small_orders())
    expected = ["+1555{0:07d}".format(index) for index in range(100000)]
    vars_file = tmp_path / "expected.json"
    report_dir = tmp_path / "reports"
    vars_file.write_text(json.dumps({"assert_numbers_acquired_expected": expected}), encoding="utf-8")
    text = fh.role_play(
        {"assert_numbers_acquired_endpoint_url": emulator.url, "assert_numbers_acquired_report_dir": str(report_dir)}
    )
    result = fh.playbook(run_ansible, text, "-e", "@" + str(vars_file), timeout=900)
    message = fh.assert_clean_failure(result, fh.failed_task(result), "and 99950 more")
    assert len(message) < 5000
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert report["result"]["passed"] is False
    assert len(report["result"]["missing"]) == 100000
