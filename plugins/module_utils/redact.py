# -*- coding: utf-8 -*-
# TEMPORARY stand-in; replaced by the reports branch's redact.py on merge.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s'\"@]*@")


def redact_text(text, secrets=()):
    text = _USERINFO.sub(r"\1", str(text))
    for secret in secrets or ():
        if secret and len(str(secret)) > 3:
            text = text.replace(str(secret), "********")
    return text


def redact_value(value, secrets=()):
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return dict((key, redact_value(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [redact_value(item, secrets) for item in value]
    return value
