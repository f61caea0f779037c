#!/usr/bin/env bash
# Installs the pinned infrastructure toolchain into .cache/terraform (idempotent):
#   bin/tofu                 OpenTofu CLI
#   mirror/                  provider filesystem mirror (hashicorp/aws, Mongey/kafka)
#   tofu.rc                  CLI config pointing `tofu init` at the mirror (export TF_CLI_CONFIG_FILE)
#   checkov/                 the security scanner, in a virtual environment of its own (checkov.txt)
#
# Where the OpenTofu registry answers, the providers are the registry's own builds, downloaded by
# `tofu providers mirror`. Where it does not (networks that reach only package registries), they
# are built with `go` from the Go module proxy, reproducibly (pinned Go toolchain, no cgo,
# -trimpath), so the hashes recorded in each .terraform.lock.hcl match on every such machine.
# The AWS provider is built with only the AWS services this repository uses (aws-services.txt):
# the whole provider compiles about 2,000 packages for an hour, the reduced one a third of them.
# An OpenTofu of the pinned version already on PATH is used instead of building one.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${RTDP_TOOLS_DIR:-$ROOT/.cache/terraform}"

TOFU_VERSION="1.10.10"
TOFU_MODULE="github.com/opentofu/opentofu@v${TOFU_VERSION}"

# hashicorp/aws cannot come from its own module path: its v6 tags are not Go module versions
# (the module path has no /v6 suffix). Upbound's fork is the same provider at 6.34.0, published
# as a pseudo-version; the hash below pins its exact content.
AWS_VERSION="6.34.0"
AWS_MODULE="github.com/upbound/terraform-provider-aws@v0.0.0-20260305123303-f7691456b787"
AWS_MODULE_SUM="h1:dJlp2eNgY/iVKTPINdguYlHbHc9CtXBZKmQmqYq0REs="

KAFKA_VERSION="0.13.1"
KAFKA_MODULE="github.com/Mongey/terraform-provider-kafka@v${KAFKA_VERSION}"
KAFKA_MODULE_SUM="h1:Dh+rcu3u/j8W2VlR47e6z28EI1ptmN+UfAU6As8WRsw="

# Same compiler and flags on every machine: the same bytes, so the same lock file hashes.
export GOTOOLCHAIN="go1.26.8"
export CGO_ENABLED=0
# The fork's go.mod is not in the public checksum database; its content is checked against
# AWS_MODULE_SUM instead.
export GONOSUMDB="github.com/upbound/terraform-provider-aws"
# Every core, at low priority so the machine stays usable; RTDP_BUILD_JOBS sets fewer.
BUILD=(nice -n 10 go build -p "${RTDP_BUILD_JOBS:-$(nproc)}" -trimpath -buildvcs=false)

die() { echo "error: $*" >&2; exit 1; }

command -v go >/dev/null || die "Go is required to build OpenTofu and its providers (https://go.dev/dl)"
PLATFORM="$(go env GOOS)_$(go env GOARCH)"

# Prints the folder of a downloaded module after checking its content hash (empty: not checked).
module_dir() {
  local module="$1" expected_sum="$2" json dir sum
  json="$(go mod download -json "$module")" || die "cannot download $module from the Go module proxy"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  sum="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$json")"
  [[ -n "$dir" ]] || die "go mod download gave no folder for $module: $json"
  if [[ -n "$expected_sum" && "$sum" != "$expected_sum" ]]; then
    die "$module has hash $sum, expected $expected_sum"
  fi
  echo "$dir"
}

# build NAME OUTPUT MODULE SUM PACKAGE [LDFLAGS [PREPARE]]: builds unless OUTPUT exists, logs the
# seconds. PREPARE, if given, is a function that gets the module folder and returns a writable,
# changed copy of it to build instead.
build() {
  local name="$1" output="$2" module="$3" sum="$4" package="$5" ldflags="${6:-}" prepare="${7:-}" dir started
  if [[ -x "$output" ]]; then
    echo "ok   $name (cached: ${output#"$ROOT"/})"
    return
  fi
  dir="$(module_dir "$module" "$sum")"
  echo "...  building $name from $module"
  started=$(date +%s)
  [[ -z "$prepare" ]] || dir="$("$prepare" "$dir")"
  mkdir -p "$(dirname "$output")"
  # Inside the module folder, so its go.mod replace directives apply.
  (cd "$dir" && "${BUILD[@]}" -ldflags="-s -w $ldflags" -o "$output.partial" "$package")
  mv "$output.partial" "$output"
  echo "ok   $name built in $(($(date +%s) - started)) s"
}

mapfile -t AWS_SERVICES < <(sed 's/#.*//' "$ROOT/infra/toolchain/aws-services.txt" | grep -oE '[a-z0-9]+')
AWS_SOURCE="$CACHE/src/terraform-provider-aws"

# Copies the AWS provider's module and rewrites its two generated lists (the provider's own
# generators write them from all services): only AWS_SERVICES register, and only the SDK clients
# of the service packages that compile in (s3 needs s3control, ...) stay.
reduce_aws_provider() {
  local dir="$1" keep packages clients file
  rm -rf "$AWS_SOURCE" && mkdir -p "$(dirname "$AWS_SOURCE")"
  cp -r --no-preserve=mode "$dir" "$AWS_SOURCE"
  keep=" ${AWS_SERVICES[*]} "
  file="$AWS_SOURCE/internal/provider/sdkv2/service_packages_gen.go"
  awk -v keep="$keep" '
    /^\t"github.com\/hashicorp\/terraform-provider-aws\/internal\/service\/[a-z0-9]+"$/ ||
    /^\t\t[a-z0-9]+\.ServicePackage\(ctx\),$/ {
      name = $0; sub(/^.*\/service\//, "", name); sub(/"$/, "", name); sub(/^\t\t/, "", name); sub(/\..*/, "", name)
      if (index(keep, " " name " ") == 0) next
    }
    { print }' "$file" >"$file.reduced" && mv "$file.reduced" "$file"
  packages="$(cd "$AWS_SOURCE" && go list -deps -f '{{.Dir}}' . | grep '/internal/service/')" ||
    die "go list failed on the reduced AWS provider"
  # S3 too: the provider's own client set-up calls it.
  clients=" S3 $(for package in $packages; do ls "$package"/*.go; done | grep -v '_test\.go$' |
    xargs grep -ohE '\.[A-Z][A-Za-z0-9]*Client\(' | sed 's/^\.//; s/Client($//' | sort -u | tr '\n' ' ') "
  file="$AWS_SOURCE/internal/conns/awsclient_gen.go"
  awk -v keep="$clients" '
    /^func \(c \*AWSClient\) [A-Za-z0-9]+Client\(ctx context.Context\) \*[a-z0-9]+\.Client \{$/ {
      name = $4; sub(/Client\(.*/, "", name)
      pkg = $0; sub(/.*\*/, "", pkg); sub(/\.Client \{$/, "", pkg)
      if (index(keep, " " name " ") == 0) { skip = 3; next }
      used[pkg] = 1
    }
    skip > 0 { skip--; next }
    { lines[++n] = $0 }
    END {
      for (i = 1; i <= n; i++) {
        if (lines[i] ~ /^\t"github.com\/aws\/aws-sdk-go-v2\/service\/[a-z0-9]+"$/) {
          pkg = lines[i]; sub(/^.*\//, "", pkg); sub(/"$/, "", pkg)
          if (!(pkg in used)) continue
        }
        print lines[i]
      }
    }' "$file" >"$file.reduced" && mv "$file.reduced" "$file"
  pace_lifecycle_wait
  echo "$AWS_SOURCE"
}

# After writing a bucket's lifecycle rules the provider waits for ten equal reads, 5 s apart
# after a 10 s delay: a minute of every apply that creates buckets, against an emulator that
# answers consistently at once. This build reads every second instead (still ten equal reads in
# a row, so the guard against AWS's eventual consistency stays). Registry builds keep the original.
AWS_PATCHES="lifecycle-wait-1s"
pace_lifecycle_wait() {
  local file="$AWS_SOURCE/internal/service/s3/bucket_lifecycle_configuration.go"
  sed -i '/^func waitLifecycleConfigEquals(/,/^}/ {
    s/Delay:   10 \* time.Second,/Delay:   1 * time.Second,/
    s/PollInterval:              5 \* time.Second,/PollInterval:              1 * time.Second,/
  }' "$file"
  [[ "$(sed -n '/^func waitLifecycleConfigEquals(/,/^}/p' "$file" | grep -c '1 \* time.Second,')" == 2 ]] ||
    die "the AWS provider's lifecycle waiter changed shape: update pace_lifecycle_wait"
}

# Writes which service package serves each resource and data source type of the whole provider,
# so a test can name the service a module needs added to aws-services.txt.
write_aws_type_index() {
  local dir="$1" file service
  for file in "$dir"/internal/service/*/service_package_gen.go; do
    service="$(basename "$(dirname "$file")")"
    grep -oE 'TypeName: +"aws_[a-z0-9_]+"' "$file" | sed -E "s/.*\"(aws_[a-z0-9_]+)\"/\1\t$service/" || true
  done | sort -u >"$CACHE/aws-provider-types.tsv"
}

MIRROR="$CACHE/mirror/registry.opentofu.org"
if [[ ! -x "$CACHE/bin/tofu" ]] && command -v tofu >/dev/null && [[ "$(tofu version)" == "OpenTofu v$TOFU_VERSION"* ]]; then
  mkdir -p "$CACHE/bin" && ln -s "$(command -v tofu)" "$CACHE/bin/tofu"
fi
build "OpenTofu $TOFU_VERSION" "$CACHE/bin/tofu" "$TOFU_MODULE" "" ./cmd/tofu \
  "-X github.com/opentofu/opentofu/version.dev=no"

if curl -fsS --max-time 10 https://registry.opentofu.org/.well-known/terraform.json >/dev/null 2>&1; then
  # The registry's builds, into the same mirror: `tofu init` still needs no network later.
  echo "...  downloading providers from registry.opentofu.org"
  # Outside the environment folder: its lock file lists only the source builds' hashes.
  requirements="$(mktemp -d)"
  cp "$ROOT/environments/dev/versions.tf" "$requirements/"
  "$CACHE/bin/tofu" -chdir="$requirements" providers mirror -platform="$PLATFORM" "$CACHE/mirror"
  rm -rf "$requirements"
  echo "note the lock files carry the hashes of the source builds: add the registry's with"
  echo "     tofu providers lock -platform=$PLATFORM (in environments/dev, environments/prod, infra/bootstrap)"
else
  build "Mongey/kafka $KAFKA_VERSION" \
    "$MIRROR/mongey/kafka/$KAFKA_VERSION/$PLATFORM/terraform-provider-kafka_v$KAFKA_VERSION" \
    "$KAFKA_MODULE" "$KAFKA_MODULE_SUM" .
  # The largest build last, so the quick tools are usable while it runs. A binary built for
  # another service list or patch is built again.
  aws_binary="$MIRROR/hashicorp/aws/$AWS_VERSION/$PLATFORM/terraform-provider-aws_v$AWS_VERSION"
  if [[ "$(cat "$CACHE/aws-services.built" 2>/dev/null)" != "${AWS_SERVICES[*]} $AWS_PATCHES" ]]; then
    rm -f "$aws_binary"
  fi
  build "hashicorp/aws $AWS_VERSION (services: ${AWS_SERVICES[*]})" "$aws_binary" \
    "$AWS_MODULE" "$AWS_MODULE_SUM" . \
    "-X github.com/hashicorp/terraform-provider-aws/version.ProviderVersion=$AWS_VERSION" reduce_aws_provider
  echo "${AWS_SERVICES[*]} $AWS_PATCHES" >"$CACHE/aws-services.built"
  write_aws_type_index "$(module_dir "$AWS_MODULE" "$AWS_MODULE_SUM")"
  rm -rf "$CACHE/src"
fi

# checkov's dependencies must not move the project's pins: it gets its own environment.
# The marker holds the hash of the pins it was installed from: a changed checkov.txt reinstalls.
pins="$(sha256sum "$ROOT/infra/toolchain/checkov.txt" | cut -d ' ' -f 1)"
if [[ "$(cat "$CACHE/checkov/.installed" 2>/dev/null)" != "$pins" ]]; then
  echo "...  installing checkov into ${CACHE#"$ROOT"/}/checkov"
  rm -rf "$CACHE/checkov"
  "${PYTHON:-python3}" -m venv "$CACHE/checkov"
  "$CACHE/checkov/bin/pip" install --quiet --no-deps -r "$ROOT/infra/toolchain/checkov.txt"
  echo "$pins" >"$CACHE/checkov/.installed"
fi
echo "ok   checkov $("$CACHE/checkov/bin/checkov" --version)"

# `tofu init` takes these providers from the mirror only, so it needs no registry. The real path:
# a copy of the checkout whose .cache is a link to this one must not leave its own path here.
cat >"$CACHE/tofu.rc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$(realpath "$CACHE/mirror")"
    include = ["registry.opentofu.org/hashicorp/aws", "registry.opentofu.org/mongey/kafka"]
  }
}
EOF
echo "ok   export TF_CLI_CONFIG_FILE=${CACHE#"$ROOT"/}/tofu.rc"
