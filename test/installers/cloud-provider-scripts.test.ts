/**
 * The reference cloud providers (installers/providers/aws-ec2.sh, jdcloud-vm.sh) against stand-in
 * CLIs that record what they are asked and answer as the clouds document: what each action
 * calls, what it prints, and that deleting a host the cloud no longer has succeeds. Whether the
 * real clouds accept the calls is not tested here (no accounts in CI).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tmpDir } from '../support/tmp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const AWS = path.join(ROOT, 'installers/providers/aws-ec2.sh');
const JDCLOUD = path.join(ROOT, 'installers/providers/jdcloud-vm.sh');

const CREATE = {
  action: 'create',
  nodeId: 'n-abc123',
  name: 'render-0',
  environment: 'render',
  template: { image: 'img-1', instanceType: 'small.2' },
  controllerUrl: 'https://batch.example',
  registrationToken: 'reg_x',
  userData: "#!/bin/sh\nBATCH_REGISTRATION_TOKEN='reg_x'\necho boot\n",
};

/** Runs a provider program as the command provider does: the request on stdin, a bare environment. */
function run(program: string, args: string[], request: object) {
  const result = spawnSync(program, args, {
    input: JSON.stringify(request),
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeStub(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

t.test('aws-ec2.sh: run-instances with the user data and tags, terminate, describe by tag', async (t) => {
  const dir = tmpDir(t, 'batch-aws-');
  const calls = path.join(dir, 'calls');
  const aws = writeStub(
    dir,
    'aws',
    `printf '%s\\n' "$*" >>'${calls}'
for a in "$@"; do case $a in file://*) cp "\${a#file://}" '${dir}/user-data' ;; esac; done
case "$*" in
  *run-instances*) echo i-0123 ;;
  *terminate-instances*i-gone*) echo 'An error occurred (InvalidInstanceID.NotFound) when calling TerminateInstances' >&2; exit 254 ;;
  *terminate-instances*i-denied*) echo 'An error occurred (UnauthorizedOperation)' >&2; exit 254 ;;
  *describe-instances*) printf 'i-1\\tn-1\\ni-2\\tNone\\n' ;;
esac`,
  );
  const flags = ['--region', 'eu-west-1', '--aws', aws, '--subnet-id', 'subnet-9', '--security-group-ids', 'sg-1 sg-2'];

  const created = run(AWS, flags, CREATE);
  t.equal(created.status, 0, created.stderr);
  t.same(JSON.parse(created.stdout), { providerId: 'i-0123' });
  const call = readFileSync(calls, 'utf8');
  t.match(call, '--region eu-west-1 ec2 run-instances --image-id img-1 --instance-type small.2 --count 1');
  t.match(call, '--client-token n-abc123', 'the node id makes a retried create idempotent');
  t.match(
    call,
    'Tags=[{Key=batch-node-id,Value=n-abc123},{Key=batch-environment,Value=render},{Key=Name,Value=render-0}]',
  );
  t.match(call, '--subnet-id subnet-9 --security-group-ids sg-1 sg-2');
  t.equal(readFileSync(path.join(dir, 'user-data'), 'utf8'), CREATE.userData, 'the user data as given');

  t.equal(run(AWS, flags, { action: 'delete', providerId: 'i-0123', environment: 'render' }).status, 0);
  t.equal(
    run(AWS, flags, { action: 'delete', providerId: 'i-gone', environment: 'render' }).status,
    0,
    'gone is deleted',
  );
  const denied = run(AWS, flags, { action: 'delete', providerId: 'i-denied', environment: 'render' });
  t.equal(denied.status, 1, 'any other failure is one');
  t.match(denied.stderr, 'UnauthorizedOperation', "with the CLI's words");

  const listed = run(AWS, flags, { action: 'list', environment: 'render' });
  t.equal(listed.status, 0, listed.stderr);
  t.same(JSON.parse(listed.stdout), { hosts: [{ providerId: 'i-1', nodeId: 'n-1' }, { providerId: 'i-2' }] });
  t.match(readFileSync(calls, 'utf8'), 'Name=tag:batch-environment,Values=render');
});

t.test('jdcloud-vm.sh: create-instances with a launch script, delete-instance, describe-instances', async (t) => {
  const dir = tmpDir(t, 'batch-jdc-');
  const jdc = writeStub(
    dir,
    'jdc',
    `input=\${4#file://}
cp "$input" '${dir}'/"$2.json"
case $2 in
  create-instances) echo '{"requestId":"r1","result":{"instanceIds":["i-jd1"]}}' ;;
  delete-instance) case $(cat "$input") in
      *i-gone*) echo '{"requestId":"r2","error":{"code":404,"status":"NOT_FOUND","message":"instance not found"}}' ;;
      *i-busy*) echo '{"requestId":"r3","error":{"code":400,"status":"FAILED_PRECONDITION","message":"task in progress"}}' ;;
      *) echo '{"requestId":"r4","result":{}}' ;;
    esac ;;
  describe-instances) echo '{"result":{"totalCount":3,"instances":[
    {"instanceId":"i-a","status":"running","description":"batch-node-id=n-1 batch-environment=render"},
    {"instanceId":"i-b","status":"running","description":"batch-node-id=n-2 batch-environment=render-2"},
    {"instanceId":"i-c","status":"deleting","description":"batch-node-id=n-3 batch-environment=render"}]}}' ;;
esac`,
  );
  const flags = ['--region', 'cn-north-1', '--az', 'cn-north-1a', '--subnet-id', 'subnet-1', '--jdc', jdc];

  const created = run(JDCLOUD, flags, CREATE);
  t.equal(created.status, 0, created.stderr);
  t.same(JSON.parse(created.stdout), { providerId: 'i-jd1' });
  const request = JSON.parse(readFileSync(path.join(dir, 'create-instances.json'), 'utf8')) as {
    regionId: string;
    clientToken: string;
    maxCount: number;
    instanceSpec: { name: string; description: string; imageId: string; userdata: { key: string; value: string }[] };
  };
  t.match(request, { regionId: 'cn-north-1', clientToken: 'n-abc123', maxCount: 1 });
  t.match(request.instanceSpec, {
    name: 'render-0',
    imageId: 'img-1',
    description: 'batch-node-id=n-abc123 batch-environment=render',
  });
  const script = Buffer.from(request.instanceSpec.userdata[0]!.value, 'base64').toString('utf8');
  t.equal(request.instanceSpec.userdata[0]!.key, 'launch-script');
  t.equal(
    script,
    CREATE.userData.replace('#!/bin/sh', '#!/bin/bash'),
    'the user data, run by bash as JD Cloud requires',
  );

  t.equal(run(JDCLOUD, flags, { action: 'delete', providerId: 'i-jd1', environment: 'render' }).status, 0);
  t.equal(
    run(JDCLOUD, flags, { action: 'delete', providerId: 'i-gone', environment: 'render' }).status,
    0,
    'gone is deleted',
  );
  const busy = run(JDCLOUD, flags, { action: 'delete', providerId: 'i-busy', environment: 'render' });
  t.equal(busy.status, 1, 'a refused delete fails (the controller retries it)');
  t.match(busy.stderr, 'task in progress');

  const listed = run(JDCLOUD, flags, { action: 'list', environment: 'render' });
  t.equal(listed.status, 0, listed.stderr);
  t.same(
    JSON.parse(listed.stdout),
    { hosts: [{ providerId: 'i-a', nodeId: 'n-1' }] },
    "only this environment's nodes, not those being deleted",
  );
});
