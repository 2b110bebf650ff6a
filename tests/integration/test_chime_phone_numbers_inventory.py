# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The voiceops.chime.chime_phone_numbers inventory plugin through real ansible-inventory,
ansible-playbook and ansible-doc runs against the emulator over HTTP.

The emulator reads the region from each request's SigV4 credential scope, so one emulator
serves several regions; its request counters prove what was (not) fetched.
"""

from __future__ import annotations

import json

# tests/emulator is on sys.path through tests/conftest.py.
from chime_emulator import ChimeEmulator  # pylint: disable=import-error

from ansible_collections.voiceops.chime.plugins.module_utils.inventory import phone_number_hosts

PLUGIN = "voiceops.chime.chime_phone_numbers"
CONFIG_NAME = "test.chime_phone_numbers.yml"
# What makes a failed inventory source fail the command instead of only warning.
FAIL_ON_UNPARSED = {"ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}


def api_order(
    order_id, numbers, status="Successful", updated="2026-09-14T16:09:40.107Z", product_type="VoiceConnector", **extra
):
    order = {
        "PhoneNumberOrderId": order_id,
        "ProductType": product_type,
        "Status": status,
        "OrderedPhoneNumbers": [{"E164PhoneNumber": e164, "Status": number_status} for e164, number_status in numbers],
        "CreatedTimestamp": "2026-09-14T16:02:11.482Z",
        "UpdatedTimestamp": updated,
    }
    order.update(extra)
    return order


ORDERS = [
    api_order("order-old", [("+12065550100", "Failed")], status="Failed", updated="2026-01-01T00:00:00.000Z"),
    api_order("order-new", [("+12065550100", "Acquired"), ("+12065550101", "Acquired")]),
    api_order(
        "order-partial",
        [("+13125550120", "Acquired"), ("+13125550123", "Failed")],
        status="Partial",
        product_type="SipMediaApplicationDialIn",
    ),
    api_order("order-processing", [("+16175550180", "Processing")], status="Processing"),
]


def write_config(tmp_path, emulator, name=CONFIG_NAME, **options):
    # botocore sends byte-identical requests for both namespaces; the emulator serves the default,
    # chime-sdk-voice, at its root and the legacy namespace under /chime (tests/emulator/README.md).
    endpoint_url = emulator.url + ("/chime" if options.get("api") == "chime" else "")
    lines = ["plugin: " + PLUGIN, "endpoint_url: " + endpoint_url]
    # JSON is YAML: every value is written unambiguously.
    lines.extend("{0}: {1}".format(key, json.dumps(value)) for key, value in options.items())
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def plain(value):
    """ansible-core 2.19+ writes values that are not trusted templates as {"__ansible_unsafe": value}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def inventory_list(run_ansible, config, *args, env=None):
    result = run_ansible("ansible-inventory", "-i", str(config), "--list", *args, env=env)
    assert result.returncode == 0, result.stderr
    return plain(json.loads(result.stdout)), result


def members(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


def chime_hostvars(listing, host):
    return {
        key: value
        for key, value in listing["_meta"]["hostvars"][host].items()
        if key.startswith("chime_") or key == "ansible_connection"
    }


def assert_clean_stderr(result):
    assert "Traceback" not in result.stderr
    assert "Failed to parse" not in result.stderr, result.stderr


# ---- listing --------------------------------------------------------------------------------


def test_list_has_one_host_per_number_with_the_latest_order_and_default_groups(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS)
    listing, result = inventory_list(run_ansible, write_config(tmp_path, emulator))
    assert_clean_stderr(result)

    assert sorted(listing["_meta"]["hostvars"]) == [
        "+12065550100",
        "+12065550101",
        "+13125550120",
        "+13125550123",
        "+16175550180",
    ]
    assert chime_hostvars(listing, "+12065550100") == {
        "ansible_connection": "local",
        "chime_e164_phone_number": "+12065550100",
        "chime_number_status": "Acquired",
        "chime_phone_number_order_id": "order-new",
        "chime_order_status": "Successful",
        "chime_product_type": "VoiceConnector",
        "chime_created_timestamp": "2026-09-14T16:02:11.482Z",
        "chime_updated_timestamp": "2026-09-14T16:09:40.107Z",
        "chime_order_type": None,
        "chime_region": "us-east-1",
    }
    assert members(listing, "chime_number_acquired") == ["+12065550100", "+12065550101", "+13125550120"]
    assert members(listing, "chime_number_failed") == ["+13125550123"]
    assert members(listing, "chime_number_processing") == ["+16175550180"]
    assert members(listing, "chime_order_partial") == ["+13125550120", "+13125550123"]
    assert members(listing, "chime_product_sip_media_application_dial_in") == ["+13125550120", "+13125550123"]
    # The default namespace, in the region of the environment (AWS_REGION): exactly one listing.
    stats = emulator.stats()
    assert stats["list_requests"] == 1
    assert stats["by_region"] == {"us-east-1": 1} and stats["by_api"] == {"chime-sdk-voice": 1}


def test_a_multi_page_listing_is_complete(run_ansible, emulator, tmp_path):
    emulator.generate(250, seed=7)
    listing, _result = inventory_list(run_ansible, write_config(tmp_path, emulator, page_size=40))
    expected = phone_number_hosts([("us-east-1", emulator.orders())])
    assert len(expected) == 750
    assert sorted(listing["_meta"]["hostvars"]) == [entry["e164_phone_number"] for entry, _region in expected]
    for entry, _region in expected[::50]:
        hostvars = listing["_meta"]["hostvars"][entry["e164_phone_number"]]
        assert hostvars["chime_number_status"] == entry["status"]
        assert hostvars["chime_phone_number_order_id"] == entry["phone_number_order_id"]
    # 250 orders in pages of 40: 7 calls, each page asked for once.
    assert emulator.stats()["list_requests"] == 7


def test_throttling_in_the_middle_of_the_listing_still_gives_every_host(run_ansible, emulator, tmp_path):
    emulator.generate(120, seed=3)
    emulator.inject(throttle=2, after_requests=1)
    listing, _result = inventory_list(
        run_ansible, write_config(tmp_path, emulator, page_size=30, retry_base_delay=0.01, retry_max_delay=0.05)
    )
    assert len(listing["_meta"]["hostvars"]) == 360
    assert emulator.stats()["by_status"].get("429") == 2


def test_graph_shows_the_default_groups(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS)
    result = run_ansible("ansible-inventory", "-i", str(write_config(tmp_path, emulator)), "--graph")
    assert result.returncode == 0, result.stderr
    graph = result.stdout
    for group in (
        "@chime_number_acquired:",
        "@chime_number_failed:",
        "@chime_number_processing:",
        "@chime_order_successful:",
        "@chime_order_partial:",
        "@chime_product_voice_connector:",
    ):
        assert group in graph
    acquired = graph.split("@chime_number_acquired:")[1].split("@")[0]
    assert "+12065550101" in acquired and "+16175550180" not in acquired


def test_compose_keyed_groups_and_filters(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS)
    config = write_config(
        tmp_path,
        emulator,
        product_type=["VoiceConnector"],
        hostvars_prefix="pn_",
        compose={
            "ansible_connection": "'ansible.builtin.local'",
            "digits": "pn_e164_phone_number[1:]",
            "owner": "team_name",
        },
        keyed_groups=[{"key": "pn_number_status", "prefix": "status"}],
        groups={"not_acquired": "pn_number_status != 'Acquired'"},
        use_extra_vars=True,
    )
    listing, _result = inventory_list(run_ansible, config, "-e", "team_name=voice-team")
    assert sorted(listing["_meta"]["hostvars"]) == ["+12065550100", "+12065550101", "+16175550180"]
    hostvars = listing["_meta"]["hostvars"]["+16175550180"]
    assert hostvars["ansible_connection"] == "ansible.builtin.local"
    assert hostvars["digits"] == "16175550180"
    assert hostvars["owner"] == "voice-team"
    assert hostvars["pn_number_status"] == "Processing"
    assert "chime_number_status" not in hostvars
    assert members(listing, "status_Acquired") == ["+12065550100", "+12065550101"]
    assert members(listing, "not_acquired") == ["+16175550180"]


# ---- chime_sdk_voice and regions ------------------------------------------------------------


def test_sdk_voice_lists_two_regions_and_tags_each_host(run_ansible, emulator, tmp_path):
    emulator.set_orders(
        [
            api_order(
                "east-1",
                [("+12065550100", "Failed"), ("+12065550101", "Acquired")],
                status="Partial",
                updated="2026-01-01T00:00:00.000Z",
                OrderType="New",
            )
        ],
        region="us-east-1",
    )
    emulator.set_orders([api_order("west-1", [("+12065550100", "Acquired")], OrderType="Porting")], region="us-west-2")
    config = write_config(
        tmp_path,
        emulator,
        api="chime_sdk_voice",
        regions=["us-east-1", "us-west-2"],
        keyed_groups=[{"key": "chime_region", "prefix": "region"}],
    )
    listing, _result = inventory_list(run_ansible, config)

    moved = chime_hostvars(listing, "+12065550100")
    assert (moved["chime_number_status"], moved["chime_region"], moved["chime_order_type"]) == (
        "Acquired",
        "us-west-2",
        "Porting",
    )
    assert chime_hostvars(listing, "+12065550101")["chime_region"] == "us-east-1"
    assert members(listing, "region_us_west_2") == ["+12065550100"]
    assert members(listing, "region_us_east_1") == ["+12065550101"]
    stats = emulator.stats()
    assert stats["by_region"] == {"us-east-1": 1, "us-west-2": 1}


def test_with_strict_false_a_denied_region_is_skipped_with_a_warning(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS)
    emulator.inject(deny_regions=["eu-central-1"])
    config = write_config(
        tmp_path, emulator, api="chime_sdk_voice", regions=["eu-central-1", "us-east-1"], strict=False
    )
    listing, result = inventory_list(run_ansible, config, env=FAIL_ON_UNPARSED)
    assert len(listing["_meta"]["hostvars"]) == 5
    warning = " ".join(result.stderr.split())
    assert "skipped region eu-central-1" in warning
    assert "ForbiddenException" in warning
    assert "chime:ListPhoneNumberOrders" in warning
    assert "Traceback" not in result.stderr


def test_with_strict_true_a_denied_region_fails_the_source(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS)
    emulator.inject(deny_regions=["eu-central-1"])
    config = write_config(tmp_path, emulator, api="chime_sdk_voice", regions=["eu-central-1", "us-east-1"], strict=True)
    result = run_ansible("ansible-inventory", "-i", str(config), "--list", env=FAIL_ON_UNPARSED)
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "region eu-central-1" in message
    assert "ForbiddenException" in message
    assert "chime:ListPhoneNumberOrders" in message
    assert "Traceback" not in result.stderr


def test_a_denied_legacy_listing_fails_naming_the_code_and_action_and_leaks_nothing(
    run_ansible, emulator, tmp_path, aws_env
):
    emulator.set_orders(ORDERS)
    emulator.inject(forbidden=1)
    result = run_ansible(
        "ansible-inventory", "-vvvv", "-i", str(write_config(tmp_path, emulator)), "--list", env=FAIL_ON_UNPARSED
    )
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "ForbiddenException" in message
    assert "chime:ListPhoneNumberOrders" in message
    # 403 is not retried.
    assert emulator.stats()["list_requests"] == 1
    for secret in secrets_of(aws_env):
        assert secret not in result.stdout
        assert secret not in result.stderr


def secrets_of(aws_env):
    return (aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"])


def signing_emulator(aws_env, secret_key):
    """An emulator that verifies SigV4 signatures: the access key's secret is ``secret_key``."""
    return ChimeEmulator(
        orders=ORDERS, credentials={aws_env["AWS_ACCESS_KEY_ID"]: [secret_key, aws_env["AWS_SESSION_TOKEN"]]}
    )


def test_a_signed_listing_at_vvvv_leaks_no_credentials(run_ansible, tmp_path, aws_env):
    # The emulator verifies SigV4 against the fake credentials: the listing only works if they were used.
    log_path = tmp_path / "ansible.log"
    # -vvvv also prints to stdout, so the listing goes to a file.
    output = tmp_path / "listing.json"
    with signing_emulator(aws_env, aws_env["AWS_SECRET_ACCESS_KEY"]) as emulator:
        result = run_ansible(
            "ansible-inventory",
            "-vvvv",
            "-i",
            str(write_config(tmp_path, emulator)),
            "--list",
            "--output",
            str(output),
            env={"ANSIBLE_LOG_PATH": str(log_path)},
        )
        assert emulator.stats()["by_status"] == {"200": 1}
    assert result.returncode == 0, result.stderr
    listing_text = output.read_text()
    assert len(json.loads(listing_text)["_meta"]["hostvars"]) == 5
    log_text = log_path.read_text()
    assert "chime_phone_numbers" in log_text
    for secret in secrets_of(aws_env):
        for text in (result.stdout, result.stderr, log_text, listing_text):
            assert secret not in text


def test_a_wrong_signature_fails_once_naming_the_action_and_leaks_nothing(run_ansible, tmp_path, aws_env):
    log_path = tmp_path / "ansible.log"
    with signing_emulator(aws_env, "the-secret-the-emulator-expects") as emulator:
        result = run_ansible(
            "ansible-inventory",
            "-vvvv",
            "-i",
            str(write_config(tmp_path, emulator)),
            "--list",
            env=dict(FAIL_ON_UNPARSED, ANSIBLE_LOG_PATH=str(log_path)),
        )
        assert emulator.stats()["list_requests"] == 1
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert "InvalidSignatureException" in message
    assert "chime:ListPhoneNumberOrders" in message
    assert "Traceback" not in result.stderr
    for secret in secrets_of(aws_env):
        for text in (result.stdout, result.stderr, log_path.read_text()):
            assert secret not in text


# ---- a play ---------------------------------------------------------------------------------

PLAY = """
- name: Act on every acquired number
  hosts: chime_number_acquired
  gather_facts: false
  tasks:
    - name: Show the number
      ansible.builtin.debug:
        msg: "{{ chime_e164_phone_number }} is {{ chime_number_status }} in {{ chime_phone_number_order_id }}"
"""


def test_a_play_targets_the_acquired_numbers(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS)
    config = write_config(tmp_path, emulator)
    result = run_ansible.playbook(PLAY, "-i", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    (task,) = [
        task for play in result.json()["plays"] for task in play["tasks"] if task["task"]["name"] == "Show the number"
    ]
    assert sorted(task["hosts"]) == ["+12065550100", "+12065550101", "+13125550120"]
    assert task["hosts"]["+12065550100"]["msg"] == "+12065550100 is Acquired in order-new"


# ---- cache ----------------------------------------------------------------------------------


def test_the_cache_answers_the_second_run_and_flush_cache_refetches(run_ansible, emulator, tmp_path, aws_env):
    emulator.generate(150, seed=11)
    cache_dir = tmp_path / "inventory-cache"
    config = write_config(
        tmp_path, emulator, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir)
    )
    first, _result = inventory_list(run_ansible, config)
    fetched = emulator.stats()["list_requests"]
    assert fetched == 2

    second, _result = inventory_list(run_ansible, config)
    assert emulator.stats()["list_requests"] == fetched, "the cached run called the API"
    assert second == first

    # New data on the service: the cache still answers until --flush-cache.
    emulator.set_orders(ORDERS)
    cached, _result = inventory_list(run_ansible, config)
    assert len(cached["_meta"]["hostvars"]) == 450
    played = run_ansible.playbook(PLAY, "-i", str(config), "--flush-cache")
    assert played.returncode == 0, played.stdout + played.stderr
    assert emulator.stats()["list_requests"] == fetched + 1
    flushed, _result = inventory_list(run_ansible, config)
    assert emulator.stats()["list_requests"] == fetched + 1, "the refetched listing was not cached"
    assert len(flushed["_meta"]["hostvars"]) == 5

    # ansible-inventory has --flush-cache too from ansible-core 2.19 on (not on the oldest lane, 2.17).
    if "--flush-cache" in run_ansible("ansible-inventory", "--help").stdout:
        emulator.set_orders(ORDERS[:1])
        refetched, _result = inventory_list(run_ansible, config, "--flush-cache")
        assert emulator.stats()["list_requests"] == fetched + 2
        assert sorted(refetched["_meta"]["hostvars"]) == ["+12065550100"]

    cache_text = "".join(path.read_text() for path in cache_dir.iterdir())
    for secret in (aws_env["AWS_ACCESS_KEY_ID"], aws_env["AWS_SECRET_ACCESS_KEY"], aws_env["AWS_SESSION_TOKEN"]):
        assert secret not in cache_text


def test_a_config_that_changes_the_answer_does_not_reuse_the_cache(run_ansible, emulator, tmp_path):
    emulator.set_orders(ORDERS, region="us-east-1")
    emulator.set_orders(ORDERS[:1], region="us-west-2")
    cache = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"))
    east, _result = inventory_list(
        run_ansible, write_config(tmp_path, emulator, api="chime_sdk_voice", regions=["us-east-1"], **cache)
    )
    west, _result = inventory_list(
        run_ansible, write_config(tmp_path, emulator, api="chime_sdk_voice", regions=["us-west-2"], **cache)
    )
    assert len(east["_meta"]["hostvars"]) == 5
    assert sorted(west["_meta"]["hostvars"]) == ["+12065550100"]
    assert emulator.stats()["by_region"] == {"us-east-1": 1, "us-west-2": 1}


# ---- documentation --------------------------------------------------------------------------


def test_ansible_doc_renders_the_options_and_an_example_config(run_ansible):
    result = run_ansible("ansible-doc", "-t", "inventory", PLUGIN)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "plugin: voiceops.chime.chime_phone_numbers" in text
    for option in (
        "api",
        "regions",
        "hostvars_prefix",
        "number_status",
        "assume_role_arn",
        "keyed_groups",
        "cache_plugin",
        "max_attempts",
    ):
        assert option in text
    assert "chime_number_acquired" in text
    assert "WARNING" not in result.stderr
