// Tests against kubemock from Go: TestMain starts `kubemock --port 0 --kubeconfig FILE` (installed
// with `npm i -D kubemock`; run from node_modules/.bin, not through npx, which neither forwards
// SIGINT nor stops the server when it is itself stopped), then controller-runtime's envtest uses it as an existing cluster
// (USE_EXISTING_CLUSTER=true) and client-go reads the same kubeconfig.
package example

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

var (
	kubeconfigPath string
	restConfig     *rest.Config
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubemock-go-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	kubeconfigPath = filepath.Join(dir, "kubeconfig")

	server := exec.Command(filepath.Join("node_modules", ".bin", "kubemock"), "--port", "0", "--kubeconfig", kubeconfigPath)
	stdout, err := server.StdoutPipe()
	if err != nil {
		panic(err)
	}
	server.Stderr = os.Stderr
	if err := server.Start(); err != nil {
		panic(err)
	}
	defer func() {
		_ = server.Process.Signal(os.Interrupt)
		_ = server.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "kubemock listening on ") {
		fmt.Fprintf(os.Stderr, "kubemock did not start: %q %v\n", line, err)
		return 1
	}

	// envtest reads KUBECONFIG when it is told to use an existing cluster.
	os.Setenv("KUBECONFIG", kubeconfigPath)
	os.Setenv("USE_EXISTING_CLUSTER", "true")
	testEnv := &envtest.Environment{}
	restConfig, err = testEnv.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "envtest did not start: %v\n", err)
		return 1
	}
	defer testEnv.Stop()
	return m.Run()
}

func TestClientGo(t *testing.T) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	clientset := kubernetes.NewForConfigOrDie(config)
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "from-client-go"}, Data: map[string]string{"a": "1"}}
	if _, err := clientset.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = clientset.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		t.Fatalf("a second create should be AlreadyExists, got %v", err)
	}
	read, err := clientset.CoreV1().ConfigMaps("default").Get(ctx, "from-client-go", metav1.GetOptions{})
	if err != nil || read.Data["a"] != "1" {
		t.Fatalf("read back %v, %v", read, err)
	}
}

// A reconciler run by a controller-runtime manager against kubemock: it labels every ConfigMap it sees.
type labeler struct{ client.Client }

func (r *labeler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var cm corev1.ConfigMap
	if err := r.Get(ctx, req.NamespacedName, &cm); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if cm.Labels["seen-by"] == "labeler" {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFrom(cm.DeepCopy())
	if cm.Labels == nil {
		cm.Labels = map[string]string{}
	}
	cm.Labels["seen-by"] = "labeler"
	return ctrl.Result{}, r.Patch(ctx, &cm, patch)
}

func TestControllerRuntimeManager(t *testing.T) {
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctrl.NewControllerManagedBy(mgr).For(&corev1.ConfigMap{}).Complete(&labeler{mgr.GetClient()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = mgr.Start(ctx) }()

	direct, err := client.New(restConfig, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := direct.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "to-label", Namespace: "default"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var cm corev1.ConfigMap
		if err := direct.Get(ctx, types.NamespacedName{Namespace: "default", Name: "to-label"}, &cm); err != nil {
			t.Fatal(err)
		}
		if cm.Labels["seen-by"] == "labeler" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reconciler never labelled the ConfigMap: %v", cm.Labels)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
