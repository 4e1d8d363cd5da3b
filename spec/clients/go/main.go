// Drives kubemock with client-go, the Go client most operators use (controller-runtime caches are
// client-go informers underneath). Prints one JSON line per finding for spec/go-client.spec.ts to
// check; exits non-zero with a message on stderr when anything fails or takes too long.
//
// Midway it prints {"step":"ready-for-drop"} and waits for a line on stdin: the spec drops every
// watch stream and compacts the history meanwhile, and the informer must recover.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
)

const (
	crudNamespace     = "go-crud"
	informerNamespace = "go-informer"
	metadataNamespace = "go-metadata"
	// Bounds one step's API calls and waits; a healthy run needs a fraction of it.
	stepTimeout = 20 * time.Second
	// Bounds the whole program, the pause for the spec's signal included.
	programTimeout = 60 * time.Second
)

func main() {
	time.AfterFunc(programTimeout, func() { fail("gave up after %s", programTimeout) })
	config, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	check(err, "load KUBECONFIG")
	clients, err := kubernetes.NewForConfig(config)
	check(err, "build clientset")
	crudRequests := &requestLog{}
	crudClients, err := kubernetes.NewForConfig(crudRequests.traced(config))
	check(err, "build traced clientset")

	configMapCRUD(crudClients, crudRequests)
	deploymentCRUD(crudClients, crudRequests)
	informerStop := make(chan struct{})
	defer close(informerStop)
	informer, recorder := informerEvents(clients, informerStop)
	informerRecovery(clients, informer, recorder)
	metadataInformer(config, clients)
	aggregatedDiscovery(config)
	openAPIV2(config)
}

func configMapCRUD(clients *kubernetes.Clientset, requests *requestLog) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	createNamespace(ctx, clients, crudNamespace)
	configMaps := clients.CoreV1().ConfigMaps(crudNamespace)
	original := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "go-cm"}, Data: map[string]string{"a": "1"}}

	created, err := configMaps.Create(ctx, original, metav1.CreateOptions{})
	check(err, "create configmap")
	_, err = configMaps.Create(ctx, original, metav1.CreateOptions{})
	alreadyExists := expectAPIError(err, apierrors.IsAlreadyExists)

	fetched, err := configMaps.Get(ctx, "go-cm", metav1.GetOptions{})
	check(err, "get configmap")
	fresh := fetched.DeepCopy()
	fresh.Data["a"] = "2"
	updated, err := configMaps.Update(ctx, fresh, metav1.UpdateOptions{})
	check(err, "update configmap")
	// fetched still carries the resourceVersion the update above superseded.
	stale := fetched.DeepCopy()
	stale.Data["a"] = "3"
	_, err = configMaps.Update(ctx, stale, metav1.UpdateOptions{})
	conflict := expectAPIError(err, apierrors.IsConflict)

	check(configMaps.Delete(ctx, "go-cm", metav1.DeleteOptions{}), "delete configmap")
	_, err = configMaps.Get(ctx, "go-cm", metav1.GetOptions{})
	notFound := expectAPIError(err, apierrors.IsNotFound)

	_, err = configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "Not_A_DNS_Name"}}, metav1.CreateOptions{})
	invalid := expectAPIError(err, apierrors.IsInvalid)

	report("configmap-crud", map[string]any{
		"uidSet":          created.UID != "",
		"createdData":     created.Data,
		"updatedData":     updated.Data,
		"versionAdvanced": updated.ResourceVersion != created.ResourceVersion,
		"alreadyExists":   alreadyExists,
		"conflict":        conflict,
		"notFound":        notFound,
		"invalid":         invalid,
		"createWire":      requests.first(http.MethodPost, "/api/v1/namespaces/"+crudNamespace+"/configmaps"),
	})
}

func deploymentCRUD(clients *kubernetes.Clientset, requests *requestLog) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	deployments := clients.AppsV1().Deployments(crudNamespace)

	created, err := deployments.Create(ctx, deployment("go-deploy", 1, "web"), metav1.CreateOptions{})
	check(err, "create deployment")
	fetched, err := deployments.Get(ctx, "go-deploy", metav1.GetOptions{})
	check(err, "get deployment")
	fetched.Spec.Replicas = ptr(int32(2))
	updated, err := deployments.Update(ctx, fetched, metav1.UpdateOptions{})
	check(err, "update deployment")

	scale, err := deployments.GetScale(ctx, "go-deploy", metav1.GetOptions{})
	check(err, "get deployment scale")
	scaledTo := scale.Spec.Replicas
	scale.Spec.Replicas = 3
	_, err = deployments.UpdateScale(ctx, "go-deploy", scale, metav1.UpdateOptions{})
	check(err, "update deployment scale")
	rescaled, err := deployments.Get(ctx, "go-deploy", metav1.GetOptions{})
	check(err, "get rescaled deployment")

	check(deployments.Delete(ctx, "go-deploy", metav1.DeleteOptions{}), "delete deployment")
	_, err = deployments.Get(ctx, "go-deploy", metav1.GetOptions{})
	notFound := expectAPIError(err, apierrors.IsNotFound)

	// Two mistakes at once: a negative replica count and a selector the template's labels miss.
	broken := deployment("go-broken", -1, "web")
	broken.Spec.Template.Labels = map[string]string{"app": "other"}
	_, err = deployments.Create(ctx, broken, metav1.CreateOptions{})
	invalid := expectAPIError(err, apierrors.IsInvalid)

	report("deployment-crud", map[string]any{
		"createdReplicas":  *created.Spec.Replicas,
		"updatedReplicas":  *updated.Spec.Replicas,
		"scaleReplicas":    scaledTo,
		"scaleSelector":    scale.Status.Selector,
		"rescaledReplicas": *rescaled.Spec.Replicas,
		"notFound":         notFound,
		"invalid":          invalid,
		"scaleWire":        requests.first(http.MethodPut, "/apis/apps/v1/namespaces/"+crudNamespace+"/deployments/go-deploy/scale"),
	})
}

func deployment(name string, replicas int32, app string) *appsv1.Deployment {
	labels := map[string]string{"app": app}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	}
}

// informerEvents starts a configmap informer on one namespace, makes changes and reports the
// handler calls they caused. The informer keeps running for informerRecovery.
func informerEvents(clients *kubernetes.Clientset, stop <-chan struct{}) (cache.SharedIndexInformer, *eventRecorder) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	createNamespace(ctx, clients, informerNamespace)
	configMaps := clients.CoreV1().ConfigMaps(informerNamespace)
	createConfigMap(ctx, clients, informerNamespace, "pre")

	factory := informers.NewSharedInformerFactoryWithOptions(clients, 0, informers.WithNamespace(informerNamespace))
	informer := factory.Core().V1().ConfigMaps().Informer()
	recorder := &eventRecorder{}
	_, err := informer.AddEventHandler(recorder.handler())
	check(err, "add informer event handler")
	factory.Start(stop)
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		fail("configmap informer did not sync within %s", stepTimeout)
	}
	syncedKeys := sortedKeys(informer.GetStore())

	createConfigMap(ctx, clients, informerNamespace, "a")
	createConfigMap(ctx, clients, informerNamespace, "b")
	a, err := configMaps.Get(ctx, "a", metav1.GetOptions{})
	check(err, "get configmap a")
	a.Data = map[string]string{"changed": "yes"}
	_, err = configMaps.Update(ctx, a, metav1.UpdateOptions{})
	check(err, "update configmap a")
	check(configMaps.Delete(ctx, "b", metav1.DeleteOptions{}), "delete configmap b")

	// Two initial adds, then add a, add b, update a, delete b.
	events := recorder.waitFor(ctx, 6)
	report("informer", map[string]any{"syncedKeys": syncedKeys, "events": events, "cacheKeys": sortedKeys(informer.GetStore())})
	return informer, recorder
}

// informerRecovery pauses while the spec drops every watch and compacts the history, then waits
// for the informer's cache to match the server's list again and for its watch to deliver live.
func informerRecovery(clients *kubernetes.Clientset, informer cache.SharedIndexInformer, recorder *eventRecorder) {
	report("ready-for-drop", map[string]any{})
	awaitStdinLine(stepTimeout)

	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	var serverKeys []string
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		list, err := clients.CoreV1().ConfigMaps(informerNamespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		serverKeys = serverKeys[:0]
		for _, item := range list.Items {
			serverKeys = append(serverKeys, item.Namespace+"/"+item.Name)
		}
		slices.Sort(serverKeys)
		return slices.Equal(serverKeys, sortedKeys(informer.GetStore())), nil
	})
	if err != nil {
		fail("informer cache never matched the server's list: %v; cache %v, server %v", err, sortedKeys(informer.GetStore()), serverKeys)
	}

	// Handlers run behind the cache: once this later change reaches them, so have the relist's.
	createConfigMap(ctx, clients, informerNamespace, "after-recovery")
	marker := informerEvent{"add", "after-recovery", "live"}
	events := recorder.waitUntil(ctx, func(events []informerEvent) bool { return len(events) > 0 && events[len(events)-1] == marker })
	relistEvents := events[:len(events)-1]
	// A relist reports its differences in no particular order.
	slices.SortFunc(relistEvents, func(x, y informerEvent) int { return slices.Compare(x[:], y[:]) })
	report("recovered", map[string]any{"matchedKeys": serverKeys, "relistEvents": relistEvents, "finalCacheKeys": sortedKeys(informer.GetStore())})
}

func metadataInformer(config *rest.Config, clients *kubernetes.Clientset) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	createNamespace(ctx, clients, metadataNamespace)
	metadataClient, err := metadata.NewForConfig(config)
	check(err, "build metadata client")

	stop := make(chan struct{})
	defer close(stop)
	factory := metadatainformer.NewFilteredSharedInformerFactory(metadataClient, 0, metadataNamespace, nil)
	informer := factory.ForResource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Informer()
	recorder := &eventRecorder{}
	_, err = informer.AddEventHandler(recorder.handler())
	check(err, "add metadata informer event handler")
	factory.Start(stop)
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		fail("metadata informer did not sync within %s", stepTimeout)
	}
	syncedKeys := sortedKeys(informer.GetStore())

	labelled := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "meta-added", Labels: map[string]string{"tier": "cache"}}, Data: map[string]string{"big": "payload"}}
	_, err = clients.CoreV1().ConfigMaps(metadataNamespace).Create(ctx, labelled, metav1.CreateOptions{})
	check(err, "create configmap for the metadata informer")
	events := recorder.waitFor(ctx, len(syncedKeys)+1)

	item, exists, err := informer.GetStore().GetByKey(metadataNamespace + "/meta-added")
	check(err, "read the metadata informer's cache")
	if !exists {
		fail("metadata informer cache lacks %s/meta-added", metadataNamespace)
	}
	partial, isPartial := item.(*metav1.PartialObjectMetadata)
	if !isPartial {
		fail("metadata informer cached a %T, not *v1.PartialObjectMetadata", item)
	}
	report("metadata-informer", map[string]any{"syncedKeys": syncedKeys, "events": events, "cachedLabels": partial.Labels, "cachedUIDSet": partial.UID != ""})
}

// aggregatedDiscovery reads every group's resources and records which paths it took to get them:
// with aggregated discovery (apidiscovery.k8s.io/v2) /api and /apis alone carry everything.
func aggregatedDiscovery(config *rest.Config) {
	requests := &requestLog{}
	client, err := discovery.NewDiscoveryClientForConfig(requests.traced(config))
	check(err, "build discovery client")
	_, resourceLists, err := client.ServerGroupsAndResources()
	check(err, "discover server groups and resources")

	var deployments, scale *metav1.APIResource
	for _, list := range resourceLists {
		if list.GroupVersion != "apps/v1" {
			continue
		}
		for i := range list.APIResources {
			switch list.APIResources[i].Name {
			case "deployments":
				deployments = &list.APIResources[i]
			case "deployments/scale":
				scale = &list.APIResources[i]
			}
		}
	}
	if deployments == nil || scale == nil {
		fail("discovery lacks deployments or deployments/scale in apps/v1")
	}
	report("discovery", map[string]any{"requests": requests.entries(), "deployments": resourceSummary(deployments), "scale": resourceSummary(scale)})
}

// openAPIV2 fetches /openapi/v2 as client-go's discovery does (gnostic protobuf, what kubectl falls
// back to for kinds /openapi/v3 lacks) and reads facts of the Deployment schema from it.
func openAPIV2(config *rest.Config) {
	requests := &requestLog{}
	client, err := discovery.NewDiscoveryClientForConfig(requests.traced(config))
	check(err, "build discovery client")
	document, err := client.OpenAPISchema()
	check(err, "fetch /openapi/v2")
	definitions := map[string]*openapi_v2.Schema{}
	for _, named := range document.GetDefinitions().GetAdditionalProperties() {
		definitions[named.GetName()] = named.GetValue()
	}
	extension := func(schema *openapi_v2.Schema, name string) any {
		for _, named := range schema.GetVendorExtension() {
			if named.GetName() == name {
				var value any
				check(yaml.Unmarshal([]byte(named.GetValue().GetYaml()), &value), "read extension "+name)
				return value
			}
		}
		return nil
	}
	property := func(schema *openapi_v2.Schema, name string) *openapi_v2.Schema {
		for _, named := range schema.GetProperties().GetAdditionalProperties() {
			if named.GetName() == name {
				return named.GetValue()
			}
		}
		fail("no property %s", name)
		return nil
	}
	deployment, spec, container := definitions["io.k8s.api.apps.v1.Deployment"], definitions["io.k8s.api.apps.v1.DeploymentSpec"], definitions["io.k8s.api.core.v1.Container"]
	if deployment == nil || spec == nil || container == nil {
		fail("/openapi/v2 lacks the Deployment, DeploymentSpec or Container definition")
	}
	var patchAction any
	for _, path := range document.GetPaths().GetPath() {
		if path.GetName() == "/apis/apps/v1/namespaces/{namespace}/deployments/{name}" {
			for _, named := range path.GetValue().GetPatch().GetVendorExtension() {
				if named.GetName() == "x-kubernetes-action" {
					check(yaml.Unmarshal([]byte(named.GetValue().GetYaml()), &patchAction), "read x-kubernetes-action")
				}
			}
		}
	}
	fetched := requests.first(http.MethodGet, "/openapi/v2")
	report("openapi-v2", map[string]any{
		"accept":                 fetched.Accept,
		"received":               fetched.Received,
		"swagger":                document.GetSwagger(),
		"deploymentKind":         extension(deployment, "x-kubernetes-group-version-kind"),
		"deploymentSpecRequired": spec.GetRequired(),
		"specTemplateRef":        property(spec, "template").GetXRef(),
		"containerPortsMapKeys":  extension(property(container, "ports"), "x-kubernetes-list-map-keys"),
		"containerPortsStrategy": extension(property(container, "ports"), "x-kubernetes-patch-strategy"),
		"patchAction":            patchAction,
	})
}

func resourceSummary(resource *metav1.APIResource) map[string]any {
	return map[string]any{
		"kind":       resource.Kind,
		"group":      resource.Group,
		"version":    resource.Version,
		"namespaced": resource.Namespaced,
		"verbs":      []string(resource.Verbs),
		"shortNames": resource.ShortNames,
	}
}

// informerEvent is one handler call: kind (add, update, delete), object name, and detail
// (initial or live for adds, changed or unchanged for updates, tombstone or live for deletes).
type informerEvent [3]string

// eventRecorder keeps an informer's handler calls in call order.
type eventRecorder struct {
	mu     sync.Mutex
	events []informerEvent
}

func (r *eventRecorder) handler() cache.ResourceEventHandlerDetailedFuncs {
	return cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, isInInitialList bool) {
			detail := "live"
			if isInInitialList {
				detail = "initial"
			}
			r.record("add", obj, detail)
		},
		UpdateFunc: func(old, obj any) {
			// A relist hands every surviving object to the handlers, changed or not: client-go
			// treats listeners of a zero resync period as syncing ones.
			detail := "changed"
			if resourceVersion(old) == resourceVersion(obj) {
				detail = "unchanged"
			}
			r.record("update", obj, detail)
		},
		DeleteFunc: func(obj any) {
			// A tombstone means the informer learnt of the deletion by relisting, not from a watch event.
			if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				r.record("delete", tombstone.Obj, "tombstone")
				return
			}
			r.record("delete", obj, "live")
		},
	}
}

func (r *eventRecorder) record(kind string, obj any, detail string) {
	object, err := meta.Accessor(obj)
	check(err, "read the name of an informer event's object")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, informerEvent{kind, object.GetName(), detail})
}

func resourceVersion(obj any) string {
	object, err := meta.Accessor(obj)
	check(err, "read the resourceVersion of an informer event's object")
	return object.GetResourceVersion()
}

// take returns the calls recorded so far and forgets them.
func (r *eventRecorder) take() []informerEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	events := r.events
	r.events = nil
	return events
}

// waitFor returns exactly count calls once they have happened, failing if more arrive.
func (r *eventRecorder) waitFor(ctx context.Context, count int) []informerEvent {
	events := r.waitUntil(ctx, func(events []informerEvent) bool {
		if len(events) < count {
			return false
		}
		// Give a stray extra call a moment to show itself before judging.
		time.Sleep(200 * time.Millisecond)
		return true
	})
	if len(events) != count {
		fail("expected %d informer events, got %v", count, events)
	}
	return events
}

// waitUntil returns the calls recorded so far, and forgets them, once complete says they are.
func (r *eventRecorder) waitUntil(ctx context.Context, complete func([]informerEvent) bool) []informerEvent {
	err := wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(context.Context) (bool, error) {
		r.mu.Lock()
		events := slices.Clone(r.events)
		r.mu.Unlock()
		return complete(events), nil
	})
	if err != nil {
		fail("informer events stayed incomplete: %v; got %v", err, r.take())
	}
	return r.take()
}

// exchange is one request as it went over the wire: the media types sent, asked for and received.
type exchange struct {
	Method   string `json:"method"`
	Path     string `json:"path"`
	Sent     string `json:"sent,omitempty"`
	Accept   string `json:"accept"`
	Received string `json:"received"`
}

// requestLog records the exchanges of the clients built from a config it traces.
type requestLog struct {
	mu   sync.Mutex
	seen []exchange
}

func (l *requestLog) traced(config *rest.Config) *rest.Config {
	traced := rest.CopyConfig(config)
	traced.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			res, err := next.RoundTrip(req)
			if err == nil {
				l.mu.Lock()
				l.seen = append(l.seen, exchange{req.Method, req.URL.Path, req.Header.Get("Content-Type"), req.Header.Get("Accept"), res.Header.Get("Content-Type")})
				l.mu.Unlock()
			}
			return res, err
		})
	})
	return traced
}

func (l *requestLog) entries() []exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

// first returns the first exchange with method and path.
func (l *requestLog) first(method, path string) exchange {
	for _, seen := range l.entries() {
		if seen.Method == method && seen.Path == path {
			return seen
		}
	}
	fail("no %s %s request was made", method, path)
	return exchange{}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// apiErrorFinding is what the spec checks about an error the server returned.
type apiErrorFinding struct {
	Recognised bool                 `json:"recognised"`
	Code       int32                `json:"code"`
	Reason     metav1.StatusReason  `json:"reason"`
	Message    string               `json:"message"`
	Causes     []metav1.StatusCause `json:"causes,omitempty"`
}

// expectAPIError describes err, which must be an API error, and whether recognise (one of
// client-go's apierrors predicates) recognises it.
func expectAPIError(err error, recognise func(error) bool) apiErrorFinding {
	var status apierrors.APIStatus
	if err == nil || !errors.As(err, &status) {
		fail("expected an API error, got %v", err)
	}
	finding := apiErrorFinding{Recognised: recognise(err), Code: status.Status().Code, Reason: status.Status().Reason, Message: status.Status().Message}
	if details := status.Status().Details; details != nil {
		finding.Causes = details.Causes
	}
	return finding
}

func createNamespace(ctx context.Context, clients *kubernetes.Clientset, name string) {
	_, err := clients.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	check(err, "create namespace "+name)
}

func createConfigMap(ctx context.Context, clients *kubernetes.Clientset, namespace, name string) {
	_, err := clients.CoreV1().ConfigMaps(namespace).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	check(err, "create configmap "+namespace+"/"+name)
}

func sortedKeys(store cache.Store) []string {
	keys := store.ListKeys()
	slices.Sort(keys)
	return keys
}

// awaitStdinLine blocks until the spec writes a line, or fails after timeout.
func awaitStdinLine(timeout time.Duration) {
	line := make(chan error, 1)
	go func() {
		_, err := bufio.NewReader(os.Stdin).ReadString('\n')
		line <- err
	}()
	select {
	case err := <-line:
		check(err, "read the spec's go-ahead from stdin")
	case <-time.After(timeout):
		fail("no go-ahead on stdin within %s", timeout)
	}
}

func report(step string, fields map[string]any) {
	fields["step"] = step
	line, err := json.Marshal(fields)
	check(err, "encode finding")
	fmt.Println(string(line))
}

func check(err error, doing string) {
	if err != nil {
		fail("%s: %v", doing, err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-client: "+format+"\n", args...)
	os.Exit(1)
}

func ptr[T any](value T) *T { return &value }
