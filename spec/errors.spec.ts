import { expect } from 'chai';
import { startCluster, type TestCluster } from './support/cluster.js';

const json = { 'Content-Type': 'application/json' };

describe('errors as metav1.Status on the wire', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  function expectStatusBody(response: { status: number; headers: Record<string, unknown>; json(): any }, code: number, reason: string | undefined, message: string): any {
    expect(response.status).to.equal(code);
    expect(String(response.headers['content-type'])).to.match(/^application\/json/);
    const body = response.json();
    expect(body).to.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message });
    expect(body.metadata).to.deep.equal({});
    expect(body.reason).to.equal(reason);
    return body;
  }

  it('401 for a wrong bearer token', async () => {
    const response = await cluster.request('/api/v1/namespaces', { headers: { Authorization: 'Bearer wrong' } });
    expectStatusBody(response, 401, 'Unauthorized', 'Unauthorized');
  });

  it('403 for anonymous resource requests, while health and version stay public', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/pods', { headers: { Authorization: '' } });
    const body = expectStatusBody(
      response,
      403,
      'Forbidden',
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    expect(body.details).to.deep.equal({ kind: 'pods' });
    expect((await cluster.request('/readyz', { headers: { Authorization: '' } })).status).to.equal(200);
    expect((await cluster.request('/version', { headers: { Authorization: '' } })).status).to.equal(200);
  });

  it('404 with details for a missing object, and the generic 404 for an unknown path in a served group', async () => {
    const missing = expectStatusBody(await cluster.request('/apis/apps/v1/namespaces/default/deployments/web'), 404, 'NotFound', 'deployments.apps "web" not found');
    expect(missing.details).to.deep.equal({ name: 'web', group: 'apps', kind: 'deployments' });
    for (const path of ['/apis/apps/v1/things', '/apis/apps/v2', '/api/v1/foos', '/api/v2/pods']) {
      const unknown = expectStatusBody(await cluster.request(path), 404, 'NotFound', 'the server could not find the requested resource');
      expect(unknown.details).to.deep.equal({});
    }
  });

  it('404 as plain text outside every served group, as http.NotFound in Go answers', async () => {
    for (const path of ['/apis/metrics.k8s.io/v1beta1/nodes', '/apis/metrics.k8s.io', '/apis/nope/v1/things', '/foo', '/healthz/foo']) {
      const response = await cluster.request(path);
      expect(response.status, path).to.equal(404);
      expect(response.headers['content-type'], path).to.equal('text/plain; charset=utf-8');
      expect(response.headers['x-content-type-options'], path).to.equal('nosniff');
      expect(response.body, path).to.equal('404 page not found\n');
    }
    const openapi = await cluster.request('/openapi/v3/apis/nope/v1');
    expect([openapi.status, openapi.headers['content-type'], openapi.body]).to.deep.equal([404, undefined, '']);
  });

  it('405 for other methods on /api, group-versions and /version; group discovery answers any method', async () => {
    for (const path of ['/api', '/api/v1', '/apis/apps/v1', '/version']) {
      const body = expectStatusBody(await cluster.request(path, { method: 'POST' }), 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      expect(body.details).to.deep.equal({});
    }
    expect((await cluster.request('/apis/apps', { method: 'POST' })).json()).to.include({ kind: 'APIGroup', name: 'apps' });
    expect((await cluster.request('/healthz', { method: 'POST' })).body).to.equal('ok');
  });

  it('405 for a verb a resource does not serve', async () => {
    const body = expectStatusBody(
      await cluster.request('/api/v1/namespaces', { method: 'DELETE' }),
      405,
      'MethodNotAllowed',
      'deletecollection is not supported on resources of kind "namespaces"',
    );
    expect(body.details).to.deep.equal({ kind: 'namespaces' });
  });

  it('405 from the router for a method no route of an existing path serves', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/namespaces/default/configmaps/x'],
      ['PUT', '/api/v1/namespaces/default/configmaps'],
      ['POST', '/api/v1/configmaps'],
    ]) {
      const response = await cluster.request(path, { method, headers: json, body: '{}' });
      expectStatusBody(response, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  });

  it('406 when the client accepts only protobuf', async () => {
    const response = await cluster.request('/api/v1/namespaces', { headers: { Accept: 'application/vnd.kubernetes.protobuf' } });
    expectStatusBody(response, 406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml');
  });

  it('413 for a body over 3 MiB, storing nothing', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } });
    const response = await cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: json, body });
    expectStatusBody(response, 413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    expect((await cluster.request('/api/v1/namespaces/default/configmaps/huge')).status).to.equal(404);
  });

  it('415 for a body in an unknown format', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
    expect(response.status).to.equal(415);
    expect(response.json()).to.include({ reason: 'UnsupportedMediaType' });
    expect(response.json().message).to.match(/^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml/);
  });

  it('400 for a malformed URL escape, a null continue token and JSON nested past the decoder limit', async () => {
    expectStatusBody(await cluster.request('/api/v1/namespaces/%E0%A4%A/pods'), 400, 'BadRequest', 'invalid URL escape in "/api/v1/namespaces/%E0%A4%A/pods"');
    const nullToken = await cluster.request(`/api/v1/namespaces/default/configmaps?limit=1&continue=${Buffer.from('null').toString('base64url')}`);
    expectStatusBody(nullToken, 400, 'BadRequest', 'invalid continue token: continue key is not valid: the token does not hold an object');
    const deep = `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"deep"},"revision":1,"data":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const nested = await cluster.request('/apis/apps/v1/namespaces/default/controllerrevisions', { method: 'POST', headers: json, body: deep });
    expectStatusBody(nested, 400, 'BadRequest', 'json: exceeded max depth of 10000');
  });

  it('413 for a chunked body over 3 MiB', async () => {
    const { default: https } = await import('node:https');
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(new URL('/api/v1/namespaces/default/configmaps', cluster.server.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${cluster.server.token}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        ca: cluster.server.caCert,
        agent: false,
      }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 16 && req.write(chunk)) sent++;
        if (sent < 16) req.once('drain', () => { sent++; pump(); });
        else req.end();
      };
      pump();
    });
    expect(status).to.equal(413);
  });

  it('reads a body without Content-Type as JSON, as kube-apiserver does', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', body: JSON.stringify({ metadata: { name: 'untyped' } }) });
    expect(response.status).to.equal(201);
  });

  it('400 for malformed JSON', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: json, body: '{"metadata":' });
    expect(response.status).to.equal(400);
    expect(response.json().reason).to.equal('BadRequest');
    // As kube-apiserver 1.32.13 words it: Go's parse error, then the body's first bytes.
    expect(response.json().message).to.equal(
      'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"metadata":)',
    );
  });

  it('400 when URL and body disagree on namespace, name, kind or apiVersion', async () => {
    const post = (body: unknown) => cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: json, body: JSON.stringify(body) });
    expectStatusBody(await post({ metadata: { name: 'x', namespace: 'other' } }), 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    expectStatusBody(await post({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }), 400, 'BadRequest', 'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps/v1" in scheme "pkg/runtime/scheme.go:100"');
    expect((await post({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } })).status).to.equal(400);
    await post({ metadata: { name: 'named' } });
    const put = await cluster.request('/api/v1/namespaces/default/configmaps/named', { method: 'PUT', headers: json, body: JSON.stringify({ metadata: { name: 'other' } }) });
    expectStatusBody(put, 400, 'BadRequest', 'the name of the object (other) does not match the name on the URL (named)');
    const putNs = await cluster.request('/api/v1/namespaces/default/configmaps/named', { method: 'PUT', headers: json, body: JSON.stringify({ metadata: { name: 'named', namespace: 'kube-system' } }) });
    expectStatusBody(putNs, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  });

  it('422 with causes for invalid labels', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ metadata: { name: 'labeled', labels: { 'bad key!': 'v', ok: '-bad-' } } }),
    });
    const body = expectStatusBody(
      response,
      422,
      'Invalid',
      `ConfigMap "labeled" is invalid: [metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]`,
    );
    expect(body.details.causes).to.have.length(2);
    expect(body.details.causes[0]).to.deep.include({ reason: 'FieldValueInvalid', field: 'metadata.labels' });
  });

  it('422 for invalid write options', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/configmaps?dryRun=Foo', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'dry' } }) });
    expectStatusBody(response, 422, 'Invalid', 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Foo"}: supported values: "All"');
    const validation = await cluster.request('/api/v1/namespaces/default/configmaps?fieldValidation=Sometimes', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'dry' } }) });
    expectStatusBody(validation, 422, 'Invalid', 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Sometimes": supported values: "", "Ignore", "Strict", "Warn"');
  });

  it('dry-run creates validate and answer 201 without storing', async () => {
    const response = await cluster.request('/api/v1/namespaces/default/configmaps?dryRun=All', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'dry' }, data: { a: 'b' } }) });
    expect(response.status).to.equal(201);
    expect(response.json().metadata.resourceVersion).to.equal(undefined);
    expect(response.json().metadata.uid).to.be.a('string');
    expect((await cluster.request('/api/v1/namespaces/default/configmaps/dry')).status).to.equal(404);
  });

  it('a failed update leaves the stored object as it was', async () => {
    await cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'kept' }, data: { a: '1' } }) });
    const before = (await cluster.request('/api/v1/namespaces/default/configmaps/kept')).json();
    const bad = await cluster.request('/api/v1/namespaces/default/configmaps/kept', {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ metadata: { name: 'kept', labels: { 'a/b/c': 'x' } }, data: { a: '2' } }),
    });
    expect(bad.status).to.equal(422);
    const after = (await cluster.request('/api/v1/namespaces/default/configmaps/kept')).json();
    expect(after).to.deep.equal(before);
  });

  it('a Status for a deletion precondition that does not hold', async () => {
    await cluster.request('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'pre' } }) });
    const response = await cluster.request('/api/v1/namespaces/default/configmaps/pre', {
      method: 'DELETE',
      headers: json,
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-the-uid' } }),
    });
    expect(response.status).to.equal(409);
    expect(response.json().message).to.match(/^Operation cannot be fulfilled on ConfigMap "pre": the UID in the precondition \(not-the-uid\) does not match the UID in record \([0-9a-f-]+\)\. The object might have been deleted and then recreated$/);
    expect(response.json().details).to.deep.equal({ name: 'pre', kind: 'ConfigMap' });
  });
});
