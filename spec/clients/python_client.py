"""Drives kubemock with the official Python client; prints one JSON line per finding for the spec to check."""

import json
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def crud(core):
    core.create_namespaced_config_map("default", {"metadata": {"name": "py-cm"}, "data": {"a": "1"}})
    cm = core.read_namespaced_config_map("py-cm", "default")
    cm.data["a"] = "2"
    updated = core.replace_namespaced_config_map("py-cm", "default", cm)
    core.delete_namespaced_config_map("py-cm", "default")
    try:
        core.read_namespaced_config_map("py-cm", "default")
        missing = None
    except ApiException as err:
        missing = {"status": err.status, "message": json.loads(err.body)["message"]}
    report("crud", data=updated.data, uid_set=bool(updated.metadata.uid), missing=missing)


def live_watch(core):
    start = core.list_namespaced_config_map("default").metadata.resource_version
    events = []

    def writer():
        time.sleep(0.3)
        core.create_namespaced_config_map("default", {"metadata": {"name": "py-w"}})
        cm = core.read_namespaced_config_map("py-w", "default")
        cm.data = {"k": "v"}
        core.replace_namespaced_config_map("py-w", "default", cm)
        core.delete_namespaced_config_map("py-w", "default")

    thread = threading.Thread(target=writer)
    thread.start()
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default", resource_version=start, timeout_seconds=5, allow_watch_bookmarks=True):
        if event["type"] == "BOOKMARK":
            continue
        events.append([event["type"], event["object"].metadata.name])
        if event["type"] == "DELETED":
            w.stop()
    thread.join()
    report("watch", events=events, resource_version=w.resource_version)


def expired_watch(core, old_version):
    w = watch.Watch()
    try:
        for _ in w.stream(core.list_namespaced_config_map, "default", resource_version=old_version):
            pass
        report("expired", error=None)
    except ApiException as err:
        report("expired", status=err.status, reason=err.reason)


def main():
    config.load_kube_config()
    core = client.CoreV1Api()
    crud(core)
    live_watch(core)
    expired_watch(core, sys.argv[1])


if __name__ == "__main__":
    main()
