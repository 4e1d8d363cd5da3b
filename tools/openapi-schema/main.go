// Command openapi-schema prints openapi/kubernetes-schema.ts: the OpenAPI schema of every kind a
// Kubernetes 1.32 kube-apiserver serves, as it publishes them under /openapi/v3 and /openapi/v2
// minus descriptions, and how Go writes each type's fields. The schemas come from the same
// generated definitions, naming and builders kube-apiserver uses; the Go facts come from the API
// types by reflection.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	extensionsapiserver "k8s.io/apiextensions-apiserver/pkg/apiserver"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	utilopenapi "k8s.io/apiserver/pkg/util/openapi"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/apiserver/scheme"
	"k8s.io/kube-openapi/pkg/builder"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/controlplane" // installs every built-in API group into legacyscheme, as kube-apiserver does
	generatedopenapi "k8s.io/kubernetes/pkg/generated/openapi"
)

const kubernetesVersion = "v1.32.13"

// json_ is a decoded JSON object.
type json_ = map[string]any

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi-schema:", err)
		os.Exit(1)
	}
}

// typeName is how the generated definitions name a Go type: package path, dot, type name.
func typeName(t reflect.Type) string {
	return t.PkgPath() + "." + t.Name()
}

// servedTypes are the Go types of every kind in the served group versions, and the extra types.
func servedTypes(schemes []*runtime.Scheme) map[string]reflect.Type {
	types := map[string]reflect.Type{}
	for _, gvText := range servedGroupVersions {
		gv, err := schema.ParseGroupVersion(gvText)
		must(err)
		for _, scheme := range schemes {
			for _, t := range scheme.KnownTypes(gv) {
				types[typeName(t)] = t
			}
		}
	}
	return types
}

// toJSON turns a schema into a generic value, in which descriptions are then dropped.
func toJSON(value any) any {
	raw, err := json.Marshal(value)
	must(err)
	var out any
	must(json.Unmarshal(raw, &out))
	return out
}

// stripDescriptions removes the description of a schema and of every schema inside it (and
// only those: a property may be called "description").
func stripDescriptions(value any) {
	s, ok := value.(json_)
	if !ok {
		return
	}
	delete(s, "description")
	if properties, ok := s["properties"].(json_); ok {
		for _, p := range properties {
			stripDescriptions(p)
		}
	}
	for _, key := range []string{"additionalProperties", "items", "not"} {
		stripDescriptions(s[key])
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := s[key].([]any); ok {
			for _, item := range list {
				stripDescriptions(item)
			}
		}
	}
}

// v2FromV3 is the OpenAPI v2 form of a v3 schema the way kube-apiserver differs between the two:
// a reference with siblings is wrapped in allOf only in v3, and v2 publishes no defaults.
func v2FromV3(value any) any {
	switch v := value.(type) {
	case json_:
		out := json_{}
		for key, child := range v {
			switch key {
			case "default":
			case "allOf":
				list := child.([]any)
				if ref, ok := list[0].(json_)["$ref"].(string); ok && len(list) == 1 {
					out["$ref"] = strings.Replace(ref, "#/components/schemas/", "#/definitions/", 1)
				} else {
					out[key] = v2FromV3(child)
				}
			case "$ref":
				out[key] = strings.Replace(child.(string), "#/components/schemas/", "#/definitions/", 1)
			case "properties":
				properties := json_{}
				for name, p := range child.(json_) {
					properties[name] = v2FromV3(p)
				}
				out[key] = properties
			case "enum", "x-kubernetes-group-version-kind", "x-kubernetes-list-map-keys", "x-kubernetes-unions", "required":
				out[key] = child
			default:
				out[key] = v2FromV3(child)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = v2FromV3(item)
		}
		return out
	}
	return value
}

func marshal(value any) string {
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	must(encoder.Encode(value))
	return strings.TrimSuffix(out.String(), "\n")
}

// jsString quotes text as a single-quoted JavaScript string literal.
func jsString(text string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(text) + "'"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func writeRecord(out *strings.Builder, doc, name string, entries map[string]string, quote func(string) string) {
	fmt.Fprintf(out, "%s\nexport const %s: Record<string, string> = {\n", doc, name)
	for _, key := range sortedKeys(entries) {
		fmt.Fprintf(out, "  %q: %s,\n", key, quote(entries[key]))
	}
	out.WriteString("};\n")
}

func main() {
	schemes := []*runtime.Scheme{legacyscheme.Scheme, extensionsapiserver.Scheme, aggregatorscheme.Scheme}
	getDefinitions := utilopenapi.GetOpenAPIDefinitionsWithoutDisabledFeatures(generatedopenapi.GetOpenAPIDefinitions)
	namer := openapinamer.NewDefinitionNamer(schemes...)
	v3Config := genericapiserver.DefaultOpenAPIV3Config(getDefinitions, namer)
	v2Config := genericapiserver.DefaultOpenAPIConfig(getDefinitions, namer)

	types := servedTypes(schemes)
	for _, name := range extraTypes {
		types[name] = nil
	}
	var roots []string
	for _, name := range sortedKeys(types) {
		if _, ok := v3Config.Definitions[name]; ok {
			roots = append(roots, name)
		}
	}

	v3, err := builder3.BuildOpenAPIDefinitionsForResources(v3Config, roots...)
	must(err)
	v2, err := builder.BuildOpenAPIDefinitionsForResources(v2Config, roots...)
	must(err)
	v2Definitions := handler.PruneDefaults(v2.Definitions)

	schemas := map[string]string{}
	v2Schemas := map[string]string{}
	kinds := map[string]string{}
	served := map[string]bool{}
	for _, gv := range servedGroupVersions {
		served[gv] = true
	}
	for name, s := range v3 {
		value := toJSON(s)
		stripDescriptions(value)
		schemas[name] = marshal(value)
		v2Value := toJSON(v2Definitions[name])
		stripDescriptions(v2Value)
		if marshal(v2FromV3(value)) != marshal(v2Value) {
			v2Schemas[name] = marshal(v2Value)
		}
		gvks, _ := value.(json_)["x-kubernetes-group-version-kind"].([]any)
		for _, entry := range gvks {
			gvk := entry.(json_)
			gv := schema.GroupVersion{Group: gvk["group"].(string), Version: gvk["version"].(string)}.String()
			if served[gv] {
				kinds[gv+"/"+gvk["kind"].(string)] = name
			}
		}
	}
	if len(v2Schemas) > 10 {
		must(fmt.Errorf("%d v2 definitions differ from their v3 schemas: the v2 derivation is out of date", len(v2Schemas)))
	}

	fields := goFields(types, namer, v3)

	var out strings.Builder
	fmt.Fprintf(&out, "// Generated by tools/openapi-schema from Kubernetes %s (see its README); do not edit.\n\n", kubernetesVersion)
	writeRecord(&out, "/** The component schema of each served kind, by group/version/kind (`apps/v1/Deployment`, `v1/Pod`). */", "kinds", kinds, func(s string) string { return fmt.Sprintf("%q", s) })
	out.WriteString("\n")
	writeRecord(&out, "/** The OpenAPI v3 component schemas kube-apiserver publishes, without descriptions, as JSON text parsed on first use. */", "schemas", schemas, jsString)
	out.WriteString("\n")
	writeRecord(&out, "/** The OpenAPI v2 definitions that are not their v3 schema with references unwrapped and defaults dropped. */", "v2Schemas", v2Schemas, jsString)
	out.WriteString("\n")
	writeRecord(&out, goFieldsDoc, "goFields", fields, func(s string) string { return fmt.Sprintf("%q", s) })
	_, err = os.Stdout.WriteString(out.String())
	must(err)
}
