#!/bin/sh
# A `command` provider program for Amazon EC2, through the AWS CLI (v2). A reference to adapt:
# it is NOT run by any test here (no AWS account in CI); read it before you rely on it.
#
#   aws-ec2.sh --region REGION [--image-id AMI] [--instance-type TYPE] [--subnet-id SUBNET]
#              [--security-group-ids "sg-1 sg-2"] [--key-name KEY] [--instance-profile NAME]
#              [--profile AWS_PROFILE] [--aws PATH]
#
# One JSON document comes on stdin (docs/providers.md, "The command provider"), one goes out:
#
# create  `aws ec2 run-instances` of one instance: the image and type from the flags, else from
#         the environment's template (`image`, `instanceType`); the request's `userData` as the
#         instance's user data (the CLI base64-encodes it; EC2 takes at most 16 KiB); tagged
#         batch-node-id=<nodeId>, batch-environment=<environment> and Name=<name>; the node id
#         as the client token, so a create retried after a timeout cannot start a second
#         instance. IMDSv2 only, and an instance that shuts itself down is terminated, not kept.
#         Prints {"providerId":"i-…"}.
# delete  `aws ec2 terminate-instances`; an instance that no longer exists is not an error.
# list    `aws ec2 describe-instances` of the environment's instances (by tag) that are pending,
#         running, stopping or stopped: {"hosts":[{"providerId":"i-…","nodeId":"n-…"}]}.
#
# Credentials: the controller passes this program no environment but PATH, HOME and the locale,
# so AWS_* variables do not reach it. Use a profile in ~/.aws of the controller's user
# (--profile) or the role of the instance the controller runs on. The role needs
# ec2:RunInstances, ec2:CreateTags (on create), ec2:TerminateInstances, ec2:DescribeInstances,
# and iam:PassRole when --instance-profile is given.
#
# The image must reach the controller's URL (security groups, routes) and run the user data:
# cloud-init does on Amazon Linux, Debian and Ubuntu AMIs. Bake /batch/batch-agent into it
# (installers/install-linux.sh --no-start), or set BATCH_AGENT_RELEASE_URL in the template's
# userData so that the bootstrap downloads the agent.
set -eu

region=
image=
instance_type=
subnet=
security_groups=
key_name=
instance_profile=
profile=
aws=aws

fail() { echo "aws-ec2.sh: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case $1 in
    --region) [ $# -ge 2 ] || fail "$1 needs a value"; region=$2; shift ;;
    --image-id) [ $# -ge 2 ] || fail "$1 needs a value"; image=$2; shift ;;
    --instance-type) [ $# -ge 2 ] || fail "$1 needs a value"; instance_type=$2; shift ;;
    --subnet-id) [ $# -ge 2 ] || fail "$1 needs a value"; subnet=$2; shift ;;
    --security-group-ids) [ $# -ge 2 ] || fail "$1 needs a value"; security_groups=$2; shift ;;
    --key-name) [ $# -ge 2 ] || fail "$1 needs a value"; key_name=$2; shift ;;
    --instance-profile) [ $# -ge 2 ] || fail "$1 needs a value"; instance_profile=$2; shift ;;
    --profile) [ $# -ge 2 ] || fail "$1 needs a value"; profile=$2; shift ;;
    --aws) [ $# -ge 2 ] || fail "$1 needs a value"; aws=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument $1 (--help lists them)" ;;
  esac
  shift
done
[ -n "$region" ] || fail "--region is required"
command -v "$aws" >/dev/null || fail "the AWS CLI ($aws) is not installed"
command -v node >/dev/null || fail "node is needed to read the request"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
request=$work/request.json
cat >"$request"

# field PATH: a value of the request (a.b for nested), as text; nothing when absent.
field() {
  node -e '
    let v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const k of process.argv[2].split(".")) v = v === null || typeof v !== "object" ? undefined : v[k];
    if (v !== undefined && v !== null) process.stdout.write(String(v));
  ' "$request" "$1"
}

# Only these characters go into the CLI's shorthand syntax and the JSON printed here.
plain() { case $1 in '' | *[!A-Za-z0-9._-]*) return 1 ;; esac; }

# ec2 ARGS…: the AWS CLI with the region and profile; its error goes to our stderr, shown on the node.
ec2() {
  if [ -n "$profile" ]; then "$aws" --profile "$profile" --region "$region" ec2 "$@"
  else "$aws" --region "$region" ec2 "$@"; fi
}

create() {
  node_id=$(field nodeId)
  name=$(field name)
  environment=$(field environment)
  for value in "$node_id" "$name" "$environment"; do plain "$value" || fail "unexpected characters in \"$value\""; done
  [ -n "$image" ] || image=$(field template.image)
  [ -n "$instance_type" ] || instance_type=$(field template.instanceType)
  [ -n "$image" ] || fail "no image: give --image-id or set the template's image"
  [ -n "$instance_type" ] || fail "no instance type: give --instance-type or set the template's instanceType"
  field userData >"$work/user-data.sh"

  set -- --image-id "$image" --instance-type "$instance_type" --count 1 \
    --client-token "$node_id" \
    --user-data "file://$work/user-data.sh" \
    --metadata-options HttpTokens=required,HttpEndpoint=enabled \
    --instance-initiated-shutdown-behavior terminate \
    --tag-specifications "ResourceType=instance,Tags=[{Key=batch-node-id,Value=$node_id},{Key=batch-environment,Value=$environment},{Key=Name,Value=$name}]"
  [ -z "$subnet" ] || set -- "$@" --subnet-id "$subnet"
  # shellcheck disable=SC2086 # a space-separated list, one argument each
  [ -z "$security_groups" ] || set -- "$@" --security-group-ids $security_groups
  [ -z "$key_name" ] || set -- "$@" --key-name "$key_name"
  [ -z "$instance_profile" ] || set -- "$@" --iam-instance-profile "Name=$instance_profile"

  id=$(ec2 run-instances "$@" --query 'Instances[0].InstanceId' --output text)
  case $id in i-*) ;; *) fail "run-instances printed no instance id: $id" ;; esac
  printf '{"providerId":"%s"}\n' "$id"
}

delete() {
  id=$(field providerId)
  case $id in i-*) plain "$id" || { echo "\"$id\" is not an instance id; nothing to delete" >&2; return 0; } ;;
    *) echo "\"$id\" is not an instance id; nothing to delete" >&2; return 0 ;; esac
  if ! ec2 terminate-instances --instance-ids "$id" --output text >/dev/null 2>"$work/error"; then
    # already gone (and its record expired): deleted is deleted
    grep -q 'InvalidInstanceID.NotFound' "$work/error" && return 0
    cat "$work/error" >&2
    exit 1
  fi
}

list() {
  environment=$(field environment)
  plain "$environment" || fail "unexpected characters in \"$environment\""
  # shellcheck disable=SC2016 # backquotes are JMESPath literals, not command substitution
  ec2 describe-instances \
    --filters "Name=tag:batch-environment,Values=$environment" \
    "Name=instance-state-name,Values=pending,running,stopping,stopped" \
    --query 'Reservations[].Instances[].[InstanceId, Tags[?Key==`batch-node-id`] | [0].Value]' \
    --output text >"$work/instances"
  printf '{"hosts":['
  sep=
  while read -r id node_id; do
    plain "$id" || continue
    if plain "$node_id" && [ "$node_id" != None ]; then
      printf '%s{"providerId":"%s","nodeId":"%s"}' "$sep" "$id" "$node_id"
    else
      printf '%s{"providerId":"%s"}' "$sep" "$id"
    fi
    sep=,
  done <"$work/instances"
  printf ']}\n'
}

action=$(field action)
case $action in
  create) create ;;
  delete) delete ;;
  list) list ;;
  *) fail "unknown action \"$action\" (create, delete or list)" ;;
esac
