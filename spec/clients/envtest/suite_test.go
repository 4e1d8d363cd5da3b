// A kubebuilder-style suite: envtest installs the CRDs from a directory into the cluster KUBECONFIG
// names (USE_EXISTING_CLUSTER=true), a controller-runtime manager runs a reconciler for Websites, and
// the test checks the child it creates and the status it writes.
package envtest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

var websiteGVK = schema.GroupVersionKind{Group: "examples.kubemock.dev", Version: "v1", Kind: "Website"}

func newWebsite() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(websiteGVK)
	return u
}

// websiteReconciler keeps a ConfigMap describing each Website and reports it in the Website's status.
type websiteReconciler struct {
	client.Client
	scheme *runtime.Scheme
}

func (r *websiteReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	website := newWebsite()
	if err := r.Get(ctx, req.NamespacedName, website); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	image, _, _ := unstructured.NestedString(website.Object, "spec", "image")
	child := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: website.GetName() + "-site", Namespace: website.GetNamespace()}}
	if _, err := controllerutil.CreateOrUpdate(ctx, r.Client, child, func() error {
		child.Data = map[string]string{"image": image}
		return controllerutil.SetControllerReference(website, child, r.scheme)
	}); err != nil {
		return ctrl.Result{}, err
	}
	status := map[string]interface{}{"url": "http://" + website.GetName() + "." + website.GetNamespace() + ".svc", "observedGeneration": website.GetGeneration()}
	if err := unstructured.SetNestedMap(website.Object, status, "status"); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.Status().Update(ctx, website)
}

func TestWebsiteController(t *testing.T) {
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(os.Getenv("KUBEMOCK_CRD_DIR"))},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping envtest: %v", err)
		}
	}()
	if len(env.CRDs) != 1 || env.CRDs[0].Name != "websites.examples.kubemock.dev" {
		t.Fatalf("envtest installed %d CRDs, want websites.examples.kubemock.dev", len(env.CRDs))
	}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatalf("creating the manager: %v", err)
	}
	reconciler := &websiteReconciler{Client: mgr.GetClient(), scheme: scheme}
	if err := ctrl.NewControllerManagedBy(mgr).For(newWebsite()).Owns(&corev1.ConfigMap{}).Complete(reconciler); err != nil {
		t.Fatalf("building the controller: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager stopped: %v", err)
		}
	}()

	k8sClient, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	website := newWebsite()
	website.SetName("docs")
	website.SetNamespace("default")
	website.Object["spec"] = map[string]interface{}{"image": "nginx:1.27"}
	if err := k8sClient.Create(ctx, website); err != nil {
		t.Fatalf("creating the Website: %v", err)
	}
	defer func() { _ = k8sClient.Delete(context.Background(), website) }()

	deadline := time.Now().Add(20 * time.Second)
	for {
		child := &corev1.ConfigMap{}
		childErr := k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: "docs-site"}, child)
		current := newWebsite()
		getErr := k8sClient.Get(ctx, client.ObjectKey{Namespace: "default", Name: "docs"}, current)
		url, _, _ := unstructured.NestedString(current.Object, "status", "url")
		if childErr == nil && getErr == nil && url != "" {
			if child.Data["image"] != "nginx:1.27" {
				t.Fatalf("child data %v, want the image", child.Data)
			}
			owners := child.GetOwnerReferences()
			if len(owners) != 1 || owners[0].UID != current.GetUID() || owners[0].Controller == nil || !*owners[0].Controller {
				t.Fatalf("child owner references %v, want the Website as controller", owners)
			}
			if url != "http://docs.default.svc" {
				t.Fatalf("status.url %q", url)
			}
			replicas, found, _ := unstructured.NestedInt64(current.Object, "spec", "replicas")
			if !found || replicas != 1 {
				t.Fatalf("spec.replicas %d (found %v), want the schema default 1", replicas, found)
			}
			t.Logf("reconciled: child %s, status.url %s", child.Name, url)
			return
		}
		if childErr != nil && !apierrors.IsNotFound(childErr) {
			t.Fatalf("reading the child: %v", childErr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not reconciled within 20 s: child %v, website %v, url %q", childErr, getErr, url)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
