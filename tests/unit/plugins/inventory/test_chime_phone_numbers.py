# -*- coding: utf-8 -*-
# Copyright: (c) 2026, voiceops.chime contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chime_phone_numbers inventory plugin in-process: real options, real InventoryData, real
cache plugins, real templating; only the boto3 client is a fake that serves pages and counts calls.

The plugin's option definitions are taken from ``ansible-doc --json`` (once per module), so the
tests run against the documentation users see, with the amazon.aws and core fragments merged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import threading
import time

import boto3
import botocore.exceptions
import pytest
from chime_test_data import api_order  # tests/chime_test_data.py

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import cache_loader

from ansible_collections.amazon.aws.plugins.plugin_utils import base as aws_plugin_base

from ansible_collections.voiceops.chime.plugins.inventory import chime_phone_numbers
from ansible_collections.voiceops.chime.plugins.inventory.chime_phone_numbers import InventoryModule

NAME = "voiceops.chime.chime_phone_numbers"
SECRET_KEY = "unit-FAKE-secret-key-never-printed"
SESSION_TOKEN = "unit-FAKE-session-token-never-printed"


@pytest.fixture(scope="module")
def option_definitions():
    """The plugin's merged option definitions, as ansible-doc resolves them."""
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    proc = subprocess.run(
        [ansible_doc, "-t", "inventory", "--json", NAME], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)[NAME]["doc"]["options"]


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("AWS_", "EC2_", "ANSIBLE_INVENTORY")):
            monkeypatch.delenv(name)
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def client_error(code, http_status):
    return botocore.exceptions.ClientError(
        {
            "Error": {"Code": code, "Message": "denied for unit test"},
            "ResponseMetadata": {"HTTPStatusCode": http_status},
        },
        "ListPhoneNumberOrders",
    )


class FakeChimeClient:
    """Serves ``orders`` (and ``numbers``, for ListPhoneNumbers) in pages of MaxResults; ``error`` is
    raised by every call instead, ``numbers_error`` by ListPhoneNumbers only."""

    def __init__(self, orders=(), error=None, barrier=None, numbers=(), numbers_error=None):
        self.orders = list(orders)
        self.numbers = list(numbers)
        self.error = error
        self.numbers_error = numbers_error
        self.barrier = barrier
        self.calls = []
        self.number_calls = []

    def list_phone_numbers(self, **params):
        self.number_calls.append(dict(params))
        if self.numbers_error is not None:
            raise self.numbers_error
        start = int(params.get("NextToken") or 0)
        end = start + params["MaxResults"]
        page = {"PhoneNumbers": self.numbers[start:end]}
        if end < len(self.numbers):
            page["NextToken"] = str(end)
        return page

    def list_phone_number_orders(self, **params):
        self.calls.append(dict(params))
        if self.barrier is not None:
            # Every region's first call waits here for the others: passes only if they run at once.
            barrier, self.barrier = self.barrier, None
            barrier.wait(timeout=10)
        if self.error is not None:
            raise self.error
        start = int(params.get("NextToken") or 0)
        end = start + params["MaxResults"]
        page = {"PhoneNumberOrders": self.orders[start:end]}
        if end < len(self.orders):
            page["NextToken"] = str(end)
        return page


class FakeSts:
    def __init__(self):
        self.calls = []

    def assume_role(self, **params):
        self.calls.append(params)
        return {
            "Credentials": {"AccessKeyId": "ASIAASSUMED", "SecretAccessKey": SECRET_KEY, "SessionToken": SESSION_TOKEN}
        }


class FakeAws:
    """Stands in for amazon.aws's boto3_conn: records every client made, hands out fakes by region.

    Everything above it (option handling, frozen role credentials) is amazon.aws's real code.
    """

    def __init__(self, regions=None):
        self.regions = regions or {}
        self.sts = FakeSts()
        self.made = []

    def boto3_conn(self, plugin, conn_type, resource=None, region=None, endpoint=None, **params):
        del plugin
        assert conn_type == "client"
        self.made.append(dict(params, service=resource, region=region, endpoint=endpoint))
        if resource == "sts":
            return self.sts
        return self.regions[region]

    def list_calls(self):
        return sum(len(client.calls) for client in self.regions.values())


@pytest.fixture
def aws(monkeypatch):
    fake = FakeAws()
    monkeypatch.setattr(aws_plugin_base, "boto3_conn", fake.boto3_conn)
    return fake


class Run:
    """One inventory run as InventoryManager does it: parse, then write the cache if it changed."""

    def __init__(self, option_definitions, tmp_path):
        self.option_definitions = option_definitions
        self.tmp_path = tmp_path
        self.warnings = []

    def plugin(self):
        C.config.initialize_plugin_configuration_definitions("inventory", NAME, self.option_definitions)
        plugin = InventoryModule()
        # What the plugin loader sets on a plugin it loads.
        plugin._load_name = NAME
        plugin._original_path = chime_phone_numbers.__file__
        plugin._redirected_names = [NAME]
        plugin.ansible_aliases = [NAME]
        plugin.ansible_name = NAME
        plugin.warn = self.warnings.append
        return plugin

    def __call__(self, config, cache=True, name="test.chime_phone_numbers.yml"):
        path = self.tmp_path / name
        lines = ["plugin: " + NAME]
        lines.extend("{0}: {1}".format(key, json.dumps(value)) for key, value in config.items())
        path.write_text("\n".join(lines) + "\n")
        plugin = self.plugin()
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=cache)
        try:
            plugin.update_cache_if_changed()
        except AttributeError:
            pass  # InventoryManager does the same: without cache: true, ansible-core 2.21 has no cache object.
        return inventory


@pytest.fixture
def run(option_definitions, tmp_path):
    return Run(option_definitions, tmp_path)


def group_hosts(inventory, group):
    return sorted(host.name for host in inventory.groups[group].get_hosts()) if group in inventory.groups else []


def hostvars(inventory, host):
    return dict(
        (key, value)
        for key, value in inventory.get_host(host).get_vars().items()
        if key
        not in ("inventory_file", "inventory_dir", "inventory_hostname", "inventory_hostname_short", "group_names")
    )


LEGACY_ORDERS = [
    api_order(
        "o-1", "2024-01-01T00:00:00.000Z", [("+12065550100", "Failed"), ("+12065550101", "Acquired")], status="Partial"
    ),
    api_order("o-2", "2024-02-01T00:00:00.000Z", [("+12065550100", "Acquired")]),
    api_order(
        "o-3",
        "2024-03-01T00:00:00.000Z",
        [("+12065550102", "Processing")],
        status="Processing",
        product_type="SipMediaApplicationDialIn",
    ),
]


# ---- files and options ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, wanted",
    [
        ("prod.chime_phone_numbers.yml", True),
        ("chime_phone_numbers.yaml", True),
        ("prod.chime_phone_numbers.json", False),
        ("prod.aws_ec2.yml", False),
        ("chime_phone_numbers.yml.bak", False),
    ],
)
def test_verify_file_accepts_only_our_file_names(run, tmp_path, name, wanted):
    path = tmp_path / name
    path.write_text("plugin: " + NAME + "\n")
    assert bool(run.plugin().verify_file(str(path))) is wanted


@pytest.mark.parametrize(
    "config, message",
    [
        ({"api": "chime", "page_size": 100}, "page_size must be an integer from 1 to 99 for api=chime"),
        ({"api": "chime_sdk_voice", "regions": ["us-east-1"], "page_size": 0}, "page_size must be an integer from 1"),
        ({"hostvars_prefix": "chime-"}, "hostvars_prefix must be empty or start with a letter"),
        ({"max_attempts": 0}, "max_attempts must be an integer from 1 to 100"),
        ({"max_attempts": 101}, "max_attempts must be an integer from 1 to 100, got 101"),
        ({"retry_max_delay": -1}, "retry_max_delay must be a number of seconds from 0 to 600"),
        ({"retry_max_delay": "NaN"}, "retry_max_delay must be a number of seconds from 0 to 600, got nan"),
        ({"retry_base_delay": "inf"}, "retry_base_delay must be a number of seconds from 0 to 600, got inf"),
        ({"retry_max_delay": 1e300}, "retry_max_delay must be a number of seconds from 0 to 600, got 1e+300"),
        ({"retry_base_delay": 1e9}, "retry_base_delay must be a number of seconds from 0 to 600"),
        ({"number_status": ["Acquired", ""]}, "number_status entries must be non-empty strings"),
        ({"regions": ["us-east-1", "mars-north-1"]}, "region 'mars-north-1' has no Amazon Chime SDK Voice endpoint"),
        ({"region": "eu-south-9"}, "region 'eu-south-9' has no Amazon Chime SDK Voice endpoint; use one of: "),
        (
            {"regions": ["us-east-1"], "endpoint_url": "http://127.0.0.1:99999"},
            "endpoint_url 'http://127.0.0.1:99999' is not",
        ),
        ({"regions": ["us-east-1"], "endpoint_url": "ftp://127.0.0.1:1"}, "the scheme must be http or https"),
    ],
)
def test_bad_options_fail_before_any_api_call(run, aws, config, message):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    with pytest.raises(AnsibleError) as caught:
        run(config)
    assert message in str(caught.value)
    assert NAME in str(caught.value)
    assert aws.made == []


def test_an_unknown_api_is_rejected_by_the_option_choices(run, aws):
    with pytest.raises(AnsibleError, match=r"chime-sdk-voice.*\bapi\b"):
        run({"api": "chime-sdk-voice"})
    assert aws.made == []


# ---- hosts, variables, groups ---------------------------------------------------------------


def test_legacy_api_hosts_vars_and_default_groups(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run({"api": "chime", "page_size": 2})

    assert sorted(inventory.hosts) == ["+12065550100", "+12065550101", "+12065550102"]
    # The latest-order rule: +12065550100 failed in o-1 and was acquired in the newer o-2.
    assert hostvars(inventory, "+12065550100") == {
        "ansible_connection": "local",
        "chime_e164_phone_number": "+12065550100",
        "chime_number_status": "Acquired",
        "chime_phone_number_order_id": "o-2",
        "chime_order_status": "Successful",
        "chime_product_type": "VoiceConnector",
        "chime_created_timestamp": "2024-02-01T00:00:00.000Z",
        "chime_updated_timestamp": "2024-02-01T00:00:00.000Z",
    }
    assert group_hosts(inventory, "chime_number_acquired") == ["+12065550100", "+12065550101"]
    assert group_hosts(inventory, "chime_number_processing") == ["+12065550102"]
    assert group_hosts(inventory, "chime_number_failed") == []
    assert group_hosts(inventory, "chime_order_partial") == ["+12065550101"]
    assert group_hosts(inventory, "chime_order_successful") == ["+12065550100"]
    assert group_hosts(inventory, "chime_product_voice_connector") == ["+12065550100", "+12065550101"]
    assert group_hosts(inventory, "chime_product_sip_media_application_dial_in") == ["+12065550102"]

    # One client, for the global legacy endpoint, with the API layer's settings.
    assert [(made["service"], made["region"]) for made in aws.made] == [("chime", "us-east-1")]
    assert aws.made[0]["config"].retries == {"total_max_attempts": 1, "mode": "standard"}
    # Pagination went through the API layer: page size 2, every NextToken followed.
    assert aws.regions["us-east-1"].calls == [{"MaxResults": 2}, {"MaxResults": 2, "NextToken": "2"}]


def test_page_size_defaults_to_the_api_maximum(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run({"api": "chime"})
    assert aws.regions["us-east-1"].calls == [{"MaxResults": 99}]


def test_legacy_api_is_listed_once_whatever_the_regions(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run({"api": "chime", "regions": ["eu-central-1", "us-west-2", "us-east-1"]})
    assert [made["region"] for made in aws.made] == ["us-east-1"]
    assert len(aws.regions["us-east-1"].calls) == 1
    assert "chime_region" not in hostvars(inventory, "+12065550100")
    assert any("regions is ignored with api=chime" in warning for warning in run.warnings)


def test_sdk_voice_lists_each_region_concurrently_and_merges_them(run, aws):
    barrier = threading.Barrier(2)
    east = [
        api_order(
            "e-1",
            "2024-01-01T00:00:00.000Z",
            [("+12065550100", "Failed"), ("+12065550101", "Acquired")],
            status="Partial",
            OrderType="New",
        )
    ]
    west = [api_order("w-1", "2024-02-01T00:00:00.000Z", [("+12065550100", "Acquired")], OrderType="Porting")]
    aws.regions = {
        "us-east-1": FakeChimeClient(east, barrier=barrier),
        "us-west-2": FakeChimeClient(west, barrier=barrier),
    }
    inventory = run({"api": "chime_sdk_voice", "regions": ["us-east-1", "us-west-2"]})

    assert [(made["service"], made["region"]) for made in aws.made] == [
        ("chime-sdk-voice", "us-east-1"),
        ("chime-sdk-voice", "us-west-2"),
    ]
    assert aws.regions["us-east-1"].calls == [{"MaxResults": 100}]
    moved = hostvars(inventory, "+12065550100")
    assert (moved["chime_number_status"], moved["chime_region"], moved["chime_order_type"]) == (
        "Acquired",
        "us-west-2",
        "Porting",
    )
    stayed = hostvars(inventory, "+12065550101")
    assert (stayed["chime_region"], stayed["chime_order_type"]) == ("us-east-1", "New")


def test_sdk_voice_without_regions_uses_the_region_option(run, aws):
    aws.regions = {"eu-central-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run({"api": "chime_sdk_voice", "region": "eu-central-1"})
    assert hostvars(inventory, "+12065550101")["chime_region"] == "eu-central-1"


def test_sdk_voice_without_any_region_lists_every_region_botocore_knows(run, aws):
    class EveryRegion(dict):
        def __missing__(self, region):
            self[region] = FakeChimeClient([])
            return self[region]

    aws.regions = EveryRegion()
    run({"api": "chime_sdk_voice"})
    known = sorted(boto3.session.Session().get_available_regions("chime-sdk-voice"))
    assert len(known) > 1
    assert [made["region"] for made in aws.made] == known
    assert aws.list_calls() == len(known)


def test_filters_and_prefix(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run(
        {"api": "chime", "number_status": ["Acquired"], "product_type": ["VoiceConnector"], "hostvars_prefix": "pn_"}
    )
    assert sorted(inventory.hosts) == ["+12065550100", "+12065550101"]
    assert hostvars(inventory, "+12065550101")["pn_number_status"] == "Acquired"
    assert "chime_number_status" not in hostvars(inventory, "+12065550101")

    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run({"api": "chime", "order_status": ["Partial"]})
    # Only o-1 is kept, so +12065550100's status comes from it: Failed.
    assert hostvars(inventory, "+12065550100")["chime_number_status"] == "Failed"
    assert group_hosts(inventory, "chime_number_failed") == ["+12065550100"]


def test_no_orders_is_an_empty_inventory_not_an_error(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient([])}
    assert sorted(run({"api": "chime"}).hosts) == []


# ---- constructed: compose, groups, keyed_groups --------------------------------------------


def test_compose_groups_and_keyed_groups(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run(
        {
            "api": "chime",
            "compose": {"ansible_connection": "'ansible.builtin.local'", "digits": "chime_e164_phone_number[1:]"},
            "groups": {"needs_attention": "chime_number_status != 'Acquired'"},
            "keyed_groups": [{"key": "chime_product_type", "prefix": "product"}],
        }
    )
    composed = hostvars(inventory, "+12065550102")
    assert composed["ansible_connection"] == "ansible.builtin.local"
    assert composed["digits"] == "12065550102"
    assert group_hosts(inventory, "needs_attention") == ["+12065550102"]
    assert group_hosts(inventory, "product_VoiceConnector") == ["+12065550100", "+12065550101"]
    assert group_hosts(inventory, "product_SipMediaApplicationDialIn") == ["+12065550102"]
    # The default groups are still there.
    assert group_hosts(inventory, "chime_number_acquired") == ["+12065550100", "+12065550101"]


def test_compose_error_fails_only_with_strict(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    inventory = run({"api": "chime", "compose": {"broken": "undefined_variable + 1"}})
    assert "broken" not in hostvars(inventory, "+12065550100")
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    with pytest.raises(AnsibleError, match="broken"):
        run({"api": "chime", "compose": {"broken": "undefined_variable + 1"}, "strict": True})


def test_nothing_is_templated_when_nothing_is_constructed(run, aws, monkeypatch):
    def no_templating(*args, **kwargs):
        raise AssertionError("templating called without compose/groups/keyed_groups")

    for method in ("_set_composite_vars", "_add_host_to_composed_groups", "_add_host_to_keyed_groups"):
        monkeypatch.setattr(InventoryModule, method, no_templating)
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    assert len(run({"api": "chime"}).hosts) == 3


# ---- errors ---------------------------------------------------------------------------------


def test_a_denied_call_fails_naming_the_error_code_and_the_iam_action(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(error=client_error("ForbiddenException", 403))}
    with pytest.raises(AnsibleError) as caught:
        run({"api": "chime", "strict": False})
    message = str(caught.value)
    assert "ForbiddenException" in message
    assert "chime:ListPhoneNumberOrders" in message
    # Denied is never retried.
    assert len(aws.regions["us-east-1"].calls) == 1


def test_with_strict_false_a_denied_region_is_skipped_with_a_warning(run, aws):
    aws.regions = {
        "us-east-1": FakeChimeClient(LEGACY_ORDERS),
        "eu-central-1": FakeChimeClient(error=client_error("AccessDeniedException", 403)),
    }
    inventory = run({"api": "chime_sdk_voice", "regions": ["eu-central-1", "us-east-1"], "strict": False})
    assert len(inventory.hosts) == 3
    assert len(run.warnings) == 1
    assert "eu-central-1" in run.warnings[0]
    assert "AccessDeniedException" in run.warnings[0]
    assert "chime:ListPhoneNumberOrders" in run.warnings[0]


def test_with_strict_true_a_denied_region_fails_the_source(run, aws):
    aws.regions = {
        "us-east-1": FakeChimeClient(LEGACY_ORDERS),
        "eu-central-1": FakeChimeClient(error=client_error("UnauthorizedClientException", 401)),
    }
    with pytest.raises(AnsibleError, match=r"region eu-central-1: .*UnauthorizedClientException"):
        run({"api": "chime_sdk_voice", "regions": ["eu-central-1", "us-east-1"], "strict": True})


def test_when_every_region_is_denied_the_source_fails_even_without_strict(run, aws):
    aws.regions = {
        "us-east-1": FakeChimeClient(error=client_error("ForbiddenException", 403)),
        "us-west-2": FakeChimeClient(error=client_error("ForbiddenException", 403)),
    }
    with pytest.raises(AnsibleError, match="every region denied"):
        run({"api": "chime_sdk_voice", "regions": ["us-east-1", "us-west-2"]})


def test_an_error_other_than_denied_fails_even_without_strict(run, aws):
    # Throttled beyond the retry budget: a partial inventory must not pass for the whole one.
    aws.regions = {
        "us-east-1": FakeChimeClient(LEGACY_ORDERS),
        "us-west-2": FakeChimeClient(error=client_error("ThrottledClientException", 429)),
    }
    with pytest.raises(AnsibleError) as caught:
        run(
            {
                "api": "chime_sdk_voice",
                "regions": ["us-east-1", "us-west-2"],
                "max_attempts": 2,
                "retry_base_delay": 0,
                "retry_max_delay": 0,
            }
        )
    assert "ThrottledClientException" in str(caught.value)
    assert "after 2 attempt(s)" in str(caught.value)
    assert len(aws.regions["us-west-2"].calls) == 2


def test_error_messages_carry_no_credentials(run, aws, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNITTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    aws.regions = {"us-east-1": FakeChimeClient(error=client_error("ForbiddenException", 403))}
    with pytest.raises(AnsibleError) as caught:
        run({"api": "chime"})
    assert SECRET_KEY not in str(caught.value)
    assert SESSION_TOKEN not in str(caught.value)
    # The credentials did reach the client.
    assert aws.made[0]["aws_secret_access_key"] == SECRET_KEY


# ---- cache ----------------------------------------------------------------------------------


def cache_config(tmp_path, **extra):
    # The short name: these in-process tests run without Ansible's collection loader, which
    # resolving "ansible.builtin." names needs (the integration tests use the FQCN).
    config = {
        "api": "chime",
        "cache": True,
        "cache_plugin": "jsonfile",
        "cache_connection": str(tmp_path / "inventory-cache"),
    }
    config.update(extra)
    return config


def jsonfile_cache(tmp_path):
    # The options the inventory cache gives the plugin (inventory_cache fragment defaults).
    return cache_loader.get(
        "jsonfile", _uri=str(tmp_path / "inventory-cache"), _prefix="ansible_inventory_", _timeout=3600
    )


def cache_entries(tmp_path):
    """{key: value} of the jsonfile cache, read through the cache plugin (its file format varies)."""
    cache = jsonfile_cache(tmp_path)
    return dict((key, cache.get(key)) for key in cache.keys())


def test_a_second_run_is_answered_from_the_cache_and_a_flush_refetches(run, aws, tmp_path):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    first = run(cache_config(tmp_path))
    assert aws.list_calls() == 1

    second = run(cache_config(tmp_path))
    assert aws.list_calls() == 1, "a cached run must not call the API"
    assert aws.made == [aws.made[0]], "a cached run must not even create a client"
    assert hostvars(second, "+12065550100") == hostvars(first, "+12065550100")
    assert group_hosts(second, "chime_number_acquired") == group_hosts(first, "chime_number_acquired")

    # --flush-cache: InventoryManager passes cache=False.
    aws.regions["us-east-1"].orders = LEGACY_ORDERS[:1]
    flushed = run(cache_config(tmp_path), cache=False)
    assert aws.list_calls() == 2
    assert sorted(flushed.hosts) == ["+12065550100", "+12065550101"]
    # ... and the refetched listing replaced the cached one.
    again = run(cache_config(tmp_path))
    assert aws.list_calls() == 2
    assert sorted(again.hosts) == ["+12065550100", "+12065550101"]


def test_filters_prefix_and_constructed_options_are_applied_to_the_cached_listing(run, aws, tmp_path):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run(cache_config(tmp_path))
    filtered = run(
        cache_config(
            tmp_path,
            number_status=["Processing"],
            hostvars_prefix="pn_",
            page_size=5,
            keyed_groups=[{"key": "pn_product_type", "prefix": "p"}],
        )
    )
    assert aws.list_calls() == 1
    assert sorted(filtered.hosts) == ["+12065550102"]
    assert group_hosts(filtered, "p_SipMediaApplicationDialIn") == ["+12065550102"]


@pytest.mark.parametrize(
    "change",
    [
        {"api": "chime_sdk_voice", "regions": ["us-east-1"]},
        {"endpoint_url": "http://127.0.0.1:9"},
        {"profile": "other-account"},
        {"assume_role_arn": "arn:aws:iam::123456789012:role/reader"},
        {"access_key": "AKIAOTHERACCOUNT", "secret_key": "x"},
    ],
)
def test_anything_that_changes_the_answer_misses_the_cache(run, aws, tmp_path, change, monkeypatch):
    (tmp_path / "aws-profiles").write_text(
        "[profile other-account]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = y\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-profiles"))
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run(cache_config(tmp_path))
    run(cache_config(tmp_path, **change))
    assert aws.list_calls() == 2
    # And each answer is cached under its own key: both are hits now.
    run(cache_config(tmp_path))
    run(cache_config(tmp_path, **change))
    assert aws.list_calls() == 2


def test_sdk_voice_region_sets_are_cached_apart(run, aws, tmp_path):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS[:1]), "us-west-2": FakeChimeClient(LEGACY_ORDERS[2:])}
    one = run(cache_config(tmp_path, api="chime_sdk_voice", regions=["us-east-1"]))
    both = run(cache_config(tmp_path, api="chime_sdk_voice", regions=["us-east-1", "us-west-2"]))
    assert sorted(one.hosts) == ["+12065550100", "+12065550101"]
    assert sorted(both.hosts) == ["+12065550100", "+12065550101", "+12065550102"]
    assert aws.list_calls() == 3


def test_the_cache_holds_the_raw_listing_and_no_credentials(run, aws, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNITTESTKEYID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run(cache_config(tmp_path, assume_role_arn="arn:aws:iam::123456789012:role/reader"))
    files = list((tmp_path / "inventory-cache").iterdir())
    assert len(files) == 1
    text = files[0].read_text()
    for secret in (SECRET_KEY, SESSION_TOKEN, "AKIAUNITTESTKEYID", "ASIAASSUMED", "role/reader"):
        assert secret not in text
        assert secret not in files[0].name
    (cached,) = cache_entries(tmp_path).values()
    listed_at = cached.pop("listed_at")
    assert cached == {
        "format": 2,
        "api": "chime",
        "current_state": False,
        "listings": [{"region": "us-east-1", "orders": LEGACY_ORDERS}],
        "skipped": [],
    }
    assert abs(listed_at - time.time()) < 600


def test_a_cached_run_shows_the_time_of_the_cached_listing_not_its_own(run, aws, tmp_path):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    first = run(cache_config(tmp_path))
    (listed,) = [name for name in first.groups if name.startswith("chime_listed_at_")]
    (key,) = cache_entries(tmp_path)
    entry = cache_entries(tmp_path)[key]
    entry["listed_at"] = 1796119200.0  # 2026-12-01T10:00:00Z: an old cache entry
    jsonfile_cache(tmp_path).set(key, entry)
    second = run(cache_config(tmp_path))
    assert aws.list_calls() == 1
    assert [name for name in second.groups if name.startswith("chime_listed_at_")] == [
        "chime_listed_at_20261201T100000Z"
    ]
    assert listed != "chime_listed_at_20261201T100000Z"


def test_a_cached_run_does_not_assume_the_role(run, aws, tmp_path):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    config = cache_config(tmp_path, assume_role_arn="arn:aws:iam::123456789012:role/reader")
    run(config)
    assert len(aws.sts.calls) == 1
    assert aws.sts.calls[0]["RoleArn"] == "arn:aws:iam::123456789012:role/reader"
    # The listing client got the assumed role's credentials.
    listing_client = [made for made in aws.made if made["service"] == "chime"][0]
    assert listing_client["aws_access_key_id"] == "ASIAASSUMED"
    run(config)
    assert len(aws.sts.calls) == 1


def test_a_skipped_region_is_warned_about_again_from_the_cache(run, aws, tmp_path):
    aws.regions = {
        "us-east-1": FakeChimeClient(LEGACY_ORDERS),
        "eu-central-1": FakeChimeClient(error=client_error("ForbiddenException", 403)),
    }
    config = cache_config(tmp_path, api="chime_sdk_voice", regions=["us-east-1", "eu-central-1"])
    run(config)
    assert aws.list_calls() == 2
    del run.warnings[:]
    inventory = run(config)
    assert aws.list_calls() == 2
    assert len(inventory.hosts) == 3
    assert len(run.warnings) == 1
    assert "eu-central-1" in run.warnings[0] and "cached" in run.warnings[0]


def test_an_unreadable_cache_entry_is_replaced(run, aws, tmp_path):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run(cache_config(tmp_path))
    (key,) = cache_entries(tmp_path)
    jsonfile_cache(tmp_path).set(key, {"format": 0})
    assert len(run(cache_config(tmp_path)).hosts) == 3
    assert aws.list_calls() == 2
    assert cache_entries(tmp_path)[key]["format"] == 2
    run(cache_config(tmp_path))
    assert aws.list_calls() == 2


# ---- 0.2.0: current state, markers, conflicts, untrusted data ------------------------------------


def api_number(e164, status="Unassigned", deletion=None, product_type="VoiceConnector"):
    number = {
        "PhoneNumberId": e164,
        "E164PhoneNumber": e164,
        "Status": status,
        "ProductType": product_type,
        "Type": "Local",
        "Country": "US",
        "UpdatedTimestamp": "2024-03-02T00:00:00.000Z",
    }
    if deletion:
        number["DeletionTimestamp"] = deletion
    return number


def test_current_state_adds_account_status_variables_groups_and_orphans(run, aws):
    numbers = [
        api_number("+12065550100"),
        api_number("+12065550101", "DeleteInProgress", "2024-03-09T00:00:00.000Z"),
        api_number("+12065550199", "Assigned"),
    ]
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS, numbers=numbers)}
    inventory = run({"api": "chime_sdk_voice", "regions": ["us-east-1"], "current_state": True})
    assert sorted(inventory.hosts) == ["+12065550100", "+12065550101", "+12065550102", "+12065550199"]
    variables = hostvars(inventory, "+12065550101")
    assert (
        variables["chime_number_status"],
        variables["chime_account_status"],
        variables["chime_deletion_timestamp"],
        variables["chime_phone_number_id"],
    ) == ("Acquired", "DeleteInProgress", "2024-03-09T00:00:00.000Z", "+12065550101")
    assert hostvars(inventory, "+12065550102")["chime_account_status"] is None
    orphan = hostvars(inventory, "+12065550199")
    assert (orphan["chime_number_status"], orphan["chime_phone_number_order_id"], orphan["chime_account_status"]) == (
        None,
        None,
        "Assigned",
    )
    assert group_hosts(inventory, "chime_account_unassigned") == ["+12065550100"]
    assert group_hosts(inventory, "chime_account_delete_in_progress") == ["+12065550101"]
    assert group_hosts(inventory, "chime_account_absent") == ["+12065550102"]
    assert group_hosts(inventory, "chime_account_assigned") == ["+12065550199"]
    assert "chime_source_current_state" in inventory.groups
    assert "chime_source_orders_only" not in inventory.groups
    client = aws.regions["us-east-1"]
    assert client.number_calls == [{"MaxResults": 100}]


def test_without_current_state_the_source_is_marked_orders_only_and_lists_no_numbers(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS, numbers=[api_number("+12065550100")])}
    inventory = run({"api": "chime_sdk_voice", "regions": ["us-east-1"]})
    assert "chime_source_orders_only" in inventory.groups
    assert "chime_account_status" not in hostvars(inventory, "+12065550100")
    assert aws.regions["us-east-1"].number_calls == []


def test_a_denied_list_phone_numbers_fails_the_source_naming_the_action_and_the_way_out(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS, numbers_error=client_error("ForbiddenException", 403))}
    with pytest.raises(AnsibleError) as caught:
        run({"api": "chime_sdk_voice", "regions": ["us-east-1"], "current_state": True})
    assert "chime:ListPhoneNumbers denied (ForbiddenException, HTTP 403)" in str(caught.value)
    assert "current_state: false" in str(caught.value)


def test_a_skipped_region_leaves_a_marker_group(run, aws):
    aws.regions = {
        "us-east-1": FakeChimeClient(LEGACY_ORDERS),
        "us-west-2": FakeChimeClient(error=client_error("ForbiddenException", 403)),
    }
    inventory = run({"api": "chime_sdk_voice", "regions": ["us-east-1", "us-west-2"], "strict": False})
    assert "chime_skipped_region_us_west_2" in inventory.groups
    assert "chime_skipped_region_us_east_1" not in inventory.groups


def test_the_legacy_namespace_warns_that_it_reached_end_of_support(run, aws):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run({"api": "chime"})
    assert any("2026-02-20" in warning and "chime_sdk_voice" in warning for warning in run.warnings)
    run.warnings[:] = []
    run({"api": "chime_sdk_voice", "regions": ["us-east-1"]})
    assert not any("2026-02-20" in warning for warning in run.warnings)


def test_two_sources_that_disagree_keep_the_latest_order_whichever_loads_last(run, aws, tmp_path):
    older = [api_order("old", "2024-01-01T00:00:00.000Z", [("+12065550100", "Acquired")])]
    newer = [api_order("new", "2024-06-01T00:00:00.000Z", [("+12065550100", "Failed")], status="Failed")]
    for first, second in ((older, newer), (newer, older)):
        inventory = InventoryData()
        for index, orders in enumerate((first, second)):
            aws.regions = {"us-east-1": FakeChimeClient(orders)}
            path = tmp_path / ("source%d.chime_phone_numbers.yml" % index)
            path.write_text("plugin: %s\napi: chime\n" % NAME)
            run.plugin().parse(inventory, DataLoader(), str(path), cache=False)
        assert hostvars(inventory, "+12065550100")["chime_phone_number_order_id"] == "new"
        assert group_hosts(inventory, "chime_number_failed") == ["+12065550100"]
        assert group_hosts(inventory, "chime_number_acquired") == []
        assert group_hosts(inventory, "chime_order_successful") == []


HOSTILE = "{{ lookup('ansible.builtin.pipe', 'touch PWNED') }}"


def _rendered(variables, template):
    try:
        from ansible.template import trust_as_template  # pylint: disable=import-outside-toplevel
    except ImportError:
        trust_as_template = None
    from ansible.template import Templar  # pylint: disable=import-outside-toplevel

    text = trust_as_template(template) if trust_as_template else template
    return Templar(loader=DataLoader(), variables=variables).template(text)


def test_service_values_in_hostvars_and_constructed_options_are_never_templated(run, aws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = [api_order(HOSTILE, "2024-01-01T00:00:00.000Z", [("+12065550100", "Acquired")], product_type=HOSTILE)]
    aws.regions = {"us-east-1": FakeChimeClient(hostile)}
    inventory = run(
        {
            "api": "chime",
            "compose": {"copied_id": "chime_phone_number_order_id"},
            "keyed_groups": [{"key": "chime_product_type", "prefix": "product"}],
        }
    )
    variables = hostvars(inventory, "+12065550100")
    assert variables["chime_phone_number_order_id"] == HOSTILE
    assert variables["copied_id"] == HOSTILE
    # A later task reading the variable gets the text, never the lookup's effect.
    assert _rendered(variables, "{{ chime_phone_number_order_id }}") == HOSTILE
    assert _rendered(variables, "{{ copied_id }}") == HOSTILE
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize(
    "poison",
    [
        {"orders": [1]},
        {"orders": [{"OrderedPhoneNumbers": "not a list"}]},
        {"orders": [{"OrderedPhoneNumbers": [{"E164PhoneNumber": 12065550100}]}]},
        {"orders": "everything"},
        {"region": 5, "orders": []},
    ],
)
def test_a_poisoned_cache_entry_is_listed_again_with_a_warning(run, aws, tmp_path, poison):
    aws.regions = {"us-east-1": FakeChimeClient(LEGACY_ORDERS)}
    run(cache_config(tmp_path))
    (key,) = cache_entries(tmp_path)
    entry = cache_entries(tmp_path)[key]
    entry["listings"][0].update(poison)
    jsonfile_cache(tmp_path).set(key, entry)
    inventory = run(cache_config(tmp_path))
    assert len(inventory.hosts) == 3
    assert aws.list_calls() == 2
    assert any(
        "the cached listing cannot be used" in warning and "listing again" in warning for warning in run.warnings
    )
    # The bad entry was replaced: the next run is a cache hit again.
    run(cache_config(tmp_path))
    assert aws.list_calls() == 2


def test_url_credentials_never_reach_a_warning_or_an_error(run, aws):
    aws.regions = {
        "us-east-1": FakeChimeClient(
            error=botocore.exceptions.EndpointConnectionError(
                endpoint_url="http://user:hunter2pass@127.0.0.1:1/phone-number-orders"
            )
        )
    }
    with pytest.raises(AnsibleError) as caught:
        run({"api": "chime", "endpoint_url": "http://user:hunter2pass@127.0.0.1:1", "max_attempts": 1})
    assert "hunter2pass" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)
    aws.regions = {
        "us-east-1": FakeChimeClient(LEGACY_ORDERS),
        "us-west-2": FakeChimeClient(error=client_error("ForbiddenException", 403)),
    }
    run(
        {
            "api": "chime_sdk_voice",
            "regions": ["us-east-1", "us-west-2"],
            "endpoint_url": "http://user:hunter2pass@127.0.0.1:1",
        }
    )
    assert run.warnings and not any("hunter2pass" in warning for warning in run.warnings)
