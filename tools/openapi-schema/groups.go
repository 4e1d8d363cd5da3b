package main

// servedGroupVersions are the group versions a Kubernetes 1.32 kube-apiserver serves with its
// default settings (`kubectl api-versions` on one): the schema covers every kind in them.
var servedGroupVersions = []string{
	"admissionregistration.k8s.io/v1",
	"apiextensions.k8s.io/v1",
	"apiregistration.k8s.io/v1",
	"apps/v1",
	"authentication.k8s.io/v1",
	"authorization.k8s.io/v1",
	"autoscaling/v1",
	"autoscaling/v2",
	"batch/v1",
	"certificates.k8s.io/v1",
	"coordination.k8s.io/v1",
	"discovery.k8s.io/v1",
	"events.k8s.io/v1",
	"flowcontrol.apiserver.k8s.io/v1",
	"networking.k8s.io/v1",
	"node.k8s.io/v1",
	"policy/v1",
	"rbac.authorization.k8s.io/v1",
	"scheduling.k8s.io/v1",
	"storage.k8s.io/v1",
	"v1",
}

// extraTypes are published beside the kinds: discovery documents and /version, which the OpenAPI
// v2 document describes too.
var extraTypes = []string{
	"k8s.io/apimachinery/pkg/apis/meta/v1.APIGroup",
	"k8s.io/apimachinery/pkg/apis/meta/v1.APIGroupList",
	"k8s.io/apimachinery/pkg/apis/meta/v1.APIResourceList",
	"k8s.io/apimachinery/pkg/apis/meta/v1.APIVersions",
	"k8s.io/apimachinery/pkg/apis/meta/v1.Patch",
	"k8s.io/apimachinery/pkg/apis/meta/v1.Status",
	"k8s.io/apimachinery/pkg/apis/meta/v1.DeleteOptions",
	"k8s.io/apimachinery/pkg/apis/meta/v1.WatchEvent",
	"k8s.io/apimachinery/pkg/version.Info",
}
