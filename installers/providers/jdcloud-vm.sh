#!/bin/sh
# shellcheck disable=SC2016 # the single-quoted scripts are JavaScript: their ${…} are template literals
# A `command` provider program for JD Cloud virtual machines, through JD Cloud's CLI (`jdc`,
# `pip install jdcloud_cli`, then `jdc config init`). A reference to adapt: it is NOT run by
# any test here (no JD Cloud account in CI); read it before you rely on it.
#
#   jdcloud-vm.sh --region REGION --az AZ --subnet-id SUBNET [--image-id IMAGE]
#                 [--instance-type TYPE] [--security-group-ids "sg-1 sg-2"] [--key-name KEY]
#                 [--disk-category local|cloud] [--jdc PATH]
#
# One JSON document comes on stdin (docs/providers.md, "The command provider"), one goes out.
# Every call goes through `jdc vm … --input-json file://…`, the request built here as JSON:
#
# create  `jdc vm create-instances` of one instance, pay-as-you-go: the image and type from the
#         flags, else from the environment's template (`image`, `instanceType`); the request's
#         `userData` as the instance's launch script (userdata key "launch-script",
#         base64, at most 16 KiB before encoding; JD Cloud runs Linux launch scripts with bash
#         or python only, so the first line becomes #!/bin/bash, which runs the POSIX script
#         unchanged); named after the node, with "batch-node-id=<nodeId>
#         batch-environment=<environment>" as its description, which `list` reads back; the
#         node id as the client token, so a retried create cannot start a second instance.
#         Prints {"providerId":"i-…"}.
# delete  `jdc vm delete-instance`; an instance that no longer exists is not an error. An
#         instance busy with another task refuses; the controller retries the delete.
# list    `jdc vm describe-instances`, page by page, of the instances whose name contains the
#         environment's name, kept when their description says they are a node of it and
#         they are not being deleted: {"hosts":[{"providerId":"i-…","nodeId":"n-…"}]}.
#
# Credentials: the controller passes this program no environment but PATH, HOME and the locale;
# `jdc` reads its access key from ~/.jdc of the controller's user (`jdc config init`).
#
# The image must reach the controller's URL and run the launch script once (JD Cloud's public
# Linux images do). Bake /batch/batch-agent into a private image (installers/install-linux.sh
# --no-start), or set BATCH_AGENT_RELEASE_URL in the template's userData.
set -eu

region=
az=
subnet=
image=
instance_type=
security_groups=
key_name=
disk_category=cloud
jdc=jdc

fail() { echo "jdcloud-vm.sh: $*" >&2; exit 1; }
usage() { sed -n '3,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case $1 in
    --region) [ $# -ge 2 ] || fail "$1 needs a value"; region=$2; shift ;;
    --az) [ $# -ge 2 ] || fail "$1 needs a value"; az=$2; shift ;;
    --subnet-id) [ $# -ge 2 ] || fail "$1 needs a value"; subnet=$2; shift ;;
    --image-id) [ $# -ge 2 ] || fail "$1 needs a value"; image=$2; shift ;;
    --instance-type) [ $# -ge 2 ] || fail "$1 needs a value"; instance_type=$2; shift ;;
    --security-group-ids) [ $# -ge 2 ] || fail "$1 needs a value"; security_groups=$2; shift ;;
    --key-name) [ $# -ge 2 ] || fail "$1 needs a value"; key_name=$2; shift ;;
    --disk-category) [ $# -ge 2 ] || fail "$1 needs a value"; disk_category=$2; shift ;;
    --jdc) [ $# -ge 2 ] || fail "$1 needs a value"; jdc=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument $1 (--help lists them)" ;;
  esac
  shift
done
[ -n "$region" ] || fail "--region is required"
command -v "$jdc" >/dev/null || fail "JD Cloud's CLI ($jdc) is not installed: pip install jdcloud_cli"
command -v node >/dev/null || fail "node is needed to read the request"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
request=$work/request.json
cat >"$request"

# js SCRIPT [ARGS…]: runs a Node script with the request as `req` and the settings as `opt`.
js() {
  script=$1
  shift
  REGION=$region AZ=$az SUBNET=$subnet IMAGE=$image INSTANCE_TYPE=$instance_type \
    SECURITY_GROUPS=$security_groups KEY_NAME=$key_name DISK_CATEGORY=$disk_category \
    node -e "
      const fs = require('fs');
      const req = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
      const e = process.env;
      const opt = { region: e.REGION, az: e.AZ, subnet: e.SUBNET, image: e.IMAGE, instanceType: e.INSTANCE_TYPE,
        securityGroups: e.SECURITY_GROUPS.split(/\\s+/).filter(Boolean), keyName: e.KEY_NAME, diskCategory: e.DISK_CATEGORY };
      const args = process.argv.slice(2);
      $script
    " "$request" "$@"
}

# call COMMAND INPUT: `jdc vm COMMAND` with INPUT (a file of JSON); prints its `result`, or fails
# with its `error` (allowed: a code whose error is fine, e.g. 404 for a delete).
call() {
  allowed=${3:-}
  "$jdc" vm "$1" --input-json "file://$2" >"$work/response" 2>"$work/error" || true
  js '
    const [file, allowed] = args;
    let res;
    try { res = JSON.parse(fs.readFileSync(file, "utf8")); } catch {
      console.error("jdc printed something that is not JSON: " + fs.readFileSync(file, "utf8").slice(0, 500));
      process.exit(1);
    }
    if (res.error && res.error.code && String(res.error.code) !== allowed) {
      console.error(`jdc: ${res.error.status ?? ""} ${res.error.code}: ${res.error.message ?? JSON.stringify(res.error)}`);
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(res.result ?? {}));
  ' "$work/response" "$allowed" || { cat "$work/error" >&2; exit 1; }
}

create() {
  js '
    const image = opt.image || req.template?.image;
    const type = opt.instanceType || req.template?.instanceType;
    if (!image || !type) { console.error("give --image-id and --instance-type, or set image and instanceType in the template"); process.exit(1); }
    if (!opt.az || !opt.subnet) { console.error("--az and --subnet-id are required"); process.exit(1); }
    const script = req.userData.replace(/^#![^\n]*\n/, "#!/bin/bash\n");
    if (Buffer.byteLength(script) > 16 * 1024) { console.error("the user data is longer than the 16 KiB JD Cloud takes"); process.exit(1); }
    const networkInterface = { subnetId: opt.subnet, az: opt.az };
    if (opt.securityGroups.length > 0) networkInterface.securityGroups = opt.securityGroups;
    const spec = {
      az: opt.az, instanceType: type, imageId: image, name: req.name.slice(0, 32),
      description: `batch-node-id=${req.nodeId} batch-environment=${req.environment}`,
      primaryNetworkInterface: { networkInterface },
      systemDisk: { diskCategory: opt.diskCategory },
      userdata: [{ key: "launch-script", value: Buffer.from(script).toString("base64") }],
      charge: { chargeMode: "postpaid_by_duration" },
    };
    if (opt.keyName) spec.keyNames = [opt.keyName];
    fs.writeFileSync(args[0], JSON.stringify({ regionId: opt.region, instanceSpec: spec, maxCount: 1, clientToken: req.nodeId }));
  ' "$work/create.json"
  call create-instances "$work/create.json" >"$work/result"
  js '
    const id = JSON.parse(fs.readFileSync(args[0], "utf8")).instanceIds?.[0];
    if (typeof id !== "string" || !id) { console.error("create-instances returned no instance id"); process.exit(1); }
    console.log(JSON.stringify({ providerId: id }));
  ' "$work/result"
}

delete() {
  js '
    if (!/^i-[A-Za-z0-9]+$/.test(String(req.providerId))) process.exit(3);
    fs.writeFileSync(args[0], JSON.stringify({ regionId: opt.region, instanceId: req.providerId }));
  ' "$work/delete.json" || { echo "\"$(js 'process.stdout.write(String(req.providerId))')\" is not an instance id; nothing to delete" >&2; return 0; }
  call delete-instance "$work/delete.json" 404 >/dev/null
}

list() {
  : >"$work/hosts"
  page=1
  while :; do
    js '
      fs.writeFileSync(args[0], JSON.stringify({ regionId: opt.region, pageNumber: Number(args[1]), pageSize: 100,
        filters: [{ name: "name", values: [req.environment] }] }));
    ' "$work/list.json" "$page"
    call describe-instances "$work/list.json" >"$work/page"
    count=$(js '
      const instances = JSON.parse(fs.readFileSync(args[0], "utf8")).instances ?? [];
      const mine = new RegExp(`(^| )batch-environment=${req.environment}( |$)`);
      for (const i of instances) {
        const nodeId = /(?:^| )batch-node-id=(\S+)/.exec(i.description ?? "")?.[1];
        if (!mine.test(i.description ?? "") || i.status === "deleting") continue;
        fs.appendFileSync(args[1], JSON.stringify(nodeId ? { providerId: i.instanceId, nodeId } : { providerId: i.instanceId }) + "\n");
      }
      process.stdout.write(String(instances.length));
    ' "$work/page" "$work/hosts")
    [ "$count" -ge 100 ] || break
    page=$((page + 1))
  done
  js 'const lines = fs.readFileSync(args[0], "utf8").split("\n").filter(Boolean);
      console.log(JSON.stringify({ hosts: lines.map((l) => JSON.parse(l)) }));' "$work/hosts"
}

action=$(js 'process.stdout.write(String(req.action))')
case $action in
  create) create ;;
  delete) delete ;;
  list) list ;;
  *) fail "unknown action \"$action\" (create, delete or list)" ;;
esac
