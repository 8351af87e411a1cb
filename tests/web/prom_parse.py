"""Reads the Prometheus text format on stdin with prometheus_client's parser
(Debian's python3-prometheus-client) and prints every sample as JSON:
[[name, {labels}, value], ...]. Run with the system's /usr/bin/python3, which has it."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append([s.name, s.labels, s.value])
json.dump(samples, sys.stdout)
