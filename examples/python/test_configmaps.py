import pytest
from kubernetes.client import V1ConfigMap, V1ObjectMeta
from kubernetes.client.rest import ApiException


def test_lists_the_namespaces_of_a_fresh_cluster(core_v1):
    names = [ns.metadata.name for ns in core_v1.list_namespace().items]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_creates_reads_and_conflicts(core_v1):
    body = V1ConfigMap(metadata=V1ObjectMeta(name="py-settings"), data={"mode": "fast"})
    core_v1.create_namespaced_config_map("default", body)
    assert core_v1.read_namespaced_config_map("py-settings", "default").data == {"mode": "fast"}
    with pytest.raises(ApiException) as exists:
        core_v1.create_namespaced_config_map("default", body)
    assert exists.value.status == 409
