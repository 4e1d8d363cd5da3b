"""Drives custom resources through the official Python client's dynamic client; prints one JSON line per finding."""

import json

from kubernetes import config, dynamic
from kubernetes.client import api_client
from kubernetes.dynamic.exceptions import NotFoundError, UnprocessibleEntityError


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def main():
    client = dynamic.DynamicClient(api_client.ApiClient(configuration=config.load_kube_config()))
    databases = client.resources.get(api_version="data.kubemock.dev/v1", kind="Database")
    report("discovered", namespaced=databases.namespaced, plural=databases.name, subresources=sorted(databases.subresources.keys()))

    body = {"apiVersion": "data.kubemock.dev/v1", "kind": "Database", "metadata": {"name": "py-db", "labels": {"team": "py"}}, "spec": {"engine": "postgres", "storage": "5Gi"}}
    created = databases.create(body=body, namespace="default")
    report("created", spec=created.spec.to_dict(), generation=created.metadata.generation)

    try:
        databases.create(body={**body, "metadata": {"name": "py-bad"}, "spec": {"engine": "oracle", "storage": "1Gi"}}, namespace="default")
        report("invalid", status=None)
    except UnprocessibleEntityError as err:
        report("invalid", status=err.status, message=json.loads(err.body)["message"])

    patched = databases.patch(name="py-db", namespace="default", body={"spec": {"maxReplicas": 5}}, content_type="application/merge-patch+json")
    report("patched", max_replicas=patched.spec.maxReplicas, generation=patched.metadata.generation)

    status = databases.status.patch(name="py-db", namespace="default", body={"status": {"phase": "Ready"}}, content_type="application/merge-patch+json")
    report("status", phase=status.status.phase, generation=status.metadata.generation)

    listed = databases.get(namespace="default", label_selector="team=py")
    report("listed", names=[item.metadata.name for item in listed.items], kinds=[item.kind for item in listed.items])

    events = []
    for event in databases.watch(namespace="default", field_selector="metadata.name=py-db", timeout=2):
        events.append([event["type"], event["object"].metadata.name])
        break
    report("watched", events=events)

    databases.delete(name="py-db", namespace="default")
    try:
        databases.get(name="py-db", namespace="default")
        report("deleted", status=None)
    except NotFoundError as err:
        report("deleted", status=err.status)


if __name__ == "__main__":
    main()
