package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const goFieldsDoc = `/**
 * How Go writes the fields of each struct, in declaration order (the order of kube-apiserver's
 * JSON), by component schema name. Each field is its JSON name, then:
 * - nothing: left out when empty (an omitempty string, number, boolean, list or map);
 * - "*": a pointer or interface, left out only when unset (an empty value stays);
 * - "!" and JSON: always written, as that JSON when unset: {} for a struct (whose own fields are
 *   then written), null for a list, map or pointer, "" or 0 or false, null for a zero metav1.Time.
 */`

var jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()

// hasOwnJSON says whether a type writes itself (metav1.Time, resource.Quantity, intstr.IntOrString).
func hasOwnJSON(t reflect.Type) bool {
	return t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler)
}

type fieldWalker struct {
	namer   *openapinamer.DefinitionNamer
	schemas map[string]*spec.Schema
	out     map[string]string
	seen    map[reflect.Type]bool
	errors  []string
}

func goFields(types map[string]reflect.Type, namer *openapinamer.DefinitionNamer, schemas map[string]*spec.Schema) map[string]string {
	w := &fieldWalker{namer: namer, schemas: schemas, out: map[string]string{}, seen: map[reflect.Type]bool{}}
	for _, name := range sortedKeys(types) {
		if t := types[name]; t != nil {
			w.visit(t)
		}
	}
	if len(w.errors) > 0 {
		must(fmt.Errorf("Go types and schemas disagree:\n  %s", strings.Join(w.errors, "\n  ")))
	}
	return w.out
}

func (w *fieldWalker) visit(t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || hasOwnJSON(t) || w.seen[t] {
		return
	}
	w.seen[t] = true
	name, _ := w.namer.GetDefinitionName(typeName(t))
	var fields []string
	w.collect(t, &fields)
	s, published := w.schemas[name]
	if !published {
		return // reached only through fields the schema leaves out
	}
	for _, f := range fields {
		jsonName := strings.FieldsFunc(f, func(r rune) bool { return r == '*' || r == '!' })[0]
		if _, ok := s.Properties[jsonName]; !ok {
			w.errors = append(w.errors, fmt.Sprintf("%s.%s is not in the schema", name, jsonName))
		}
	}
	w.out[name] = strings.Join(fields, ",")
}

// collect lists a struct's fields as Go writes them, embedded inline structs in place.
func (w *fieldWalker) collect(t reflect.Type, fields *[]string) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, options, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" && options == "" {
			continue
		}
		if sf.Anonymous && name == "" {
			if sf.Type.Kind() != reflect.Struct {
				w.errors = append(w.errors, fmt.Sprintf("%s.%s: embedded non-struct", typeName(t), sf.Name))
				continue
			}
			w.collect(sf.Type, fields)
			continue
		}
		if name == "" {
			name = sf.Name
		}
		omitempty := strings.Contains(","+options+",", ",omitempty,")
		w.visit(sf.Type)
		*fields = append(*fields, name+fieldCode(sf.Type, omitempty))
	}
}

// fieldCode is the suffix goFieldsDoc describes.
func fieldCode(t reflect.Type, omitempty bool) string {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if omitempty {
			return "*"
		}
		return "!null"
	case reflect.Struct:
		if hasOwnJSON(t) {
			return "!" + zeroJSON(t)
		}
		return "!{}"
	}
	if omitempty {
		return ""
	}
	return "!" + zeroJSON(t)
}

func zeroJSON(t reflect.Type) string {
	raw, err := json.Marshal(reflect.New(t).Interface())
	must(err)
	return string(raw)
}
