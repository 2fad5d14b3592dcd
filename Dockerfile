# Ferry's image: the one-shot migration runner with the scripts of db/ baked in (inside the jar, as
# classpath:db/migration and classpath:db/testdata), Spring Boot's extracted layout, an AOT cache made by a training
# run, the RDS CA bundle, a non-root user (10001:10001) and nothing that needs a writable root filesystem (only /tmp).
#
#   ./mvnw -q -B package -DskipTests        # target/ferry.jar (or: --build-arg JAR_SOURCE=source, below)
#   docker build --build-arg RDS_CA_SHA256=<sha256 of the RDS CA bundle> -t ferry .
#   docker run --rm --network host -e FERRY_DB_URL=jdbc:postgresql://127.0.0.1:5432/app -e FERRY_DB_USERNAME=... \
#     -e FERRY_DB_PASSWORD=... -e FERRY_PLACEHOLDER_api_db_username=api -e FERRY_PLACEHOLDER_api_db_password=... ferry
#
# .ci/image/build-image.sh builds it with every build argument set (labels, db/ checksum); .ci/image/README.md.
#
# Build arguments:
#   BUILD_IMAGE     JDK image of the build stages (needs a shell, sha256sum and the JDK's `jar`)
#   RUNTIME_IMAGE   Java 25+ runtime image the application runs on; the AOT cache is trained on this very image,
#                   since a cache loads only into the JVM build (and runtime image) that wrote it. A shell-less
#                   (distroless) image works: nothing below runs a shell in it.
#   JAR_SOURCE      auto (default): target/ferry.jar when the build context has one, else built here from source
#                   with ./mvnw (Maven Central needed; `--network host` where only the host reaches it);
#                   prebuilt: target/ferry.jar or fail; source: always build here
#   AOT_TRAINING    onRefresh (default): the AOT cache is trained on Spring's start, no database needed; migrate:
#                   on a real migrate of db/ into TRAINING_DB_URL (with TRAINING_DB_USERNAME, TRAINING_DB_PASSWORD),
#                   an empty throwaway database the build reaches; see the train stage below
#   RDS_CA_BUNDLE   URL or build-context path of the CA bundle baked at /opt/ferry/rds-ca/global-bundle.pem;
#                   default: Amazon's global bundle, https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem;
#                   empty (--build-arg RDS_CA_BUNDLE=): no bundle, no internet needed. Such an image migrates a
#                   local PostgreSQL; verify-full against AWS it refuses (exit 2), saying to build with the bundle.
#   RDS_CA_SHA256   sha256 of that bundle, checked at build time; pin it (CI should always pass it):
#                   curl -fsSL https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem | sha256sum
#                   and update the pin when AWS changes the bundle. Unset, the build only prints the sum it got
#                   (over HTTPS from AWS) with a warning.
#   GIT_SHA, CREATED, SOURCE_URL   OCI labels revision, created (RFC 3339), source
#   DB_CHECKSUM     label dev.ferry.db-checksum; when set, also checked against the db/ inside the jar. Whether set or
#                   not, the db/ inside the jar must be the build context's db/ (a stale target/ferry.jar fails the
#                   build). The formula, in the repository root (the same as the workflows'):
#                   find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
ARG BUILD_IMAGE=eclipse-temurin:25-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre
ARG JAR_SOURCE=auto

FROM ${RUNTIME_IMAGE} AS runtime-base

# ---- the jar: target/ferry.jar from the build context, or built here from source (JAR_SOURCE above).
# One stage for both (a stage chosen by an argument is not understood by every builder); target/ferry.ja[r] is a
# pattern so that a context without the jar is no error.
FROM ${BUILD_IMAGE} AS jar
ARG JAR_SOURCE
WORKDIR /src
COPY pom.xml mvnw target/ferry.ja[r] ./
COPY .mvn .mvn
COPY src src
COPY db db
RUN --mount=type=cache,target=/root/.m2 set -e; mkdir -p /build; \
    case "$JAR_SOURCE" in \
      auto) if [ -f ferry.jar ]; then JAR_SOURCE=prebuilt; else JAR_SOURCE=source; fi ;; \
      prebuilt|source) ;; \
      *) echo "JAR_SOURCE is auto, prebuilt or source, not '$JAR_SOURCE'" >&2; exit 1 ;; \
    esac; \
    if [ "$JAR_SOURCE" = prebuilt ]; then \
      [ -f ferry.jar ] || { echo "no target/ferry.jar: ./mvnw -q -B package -DskipTests first" >&2; exit 1; }; \
      echo "jar: target/ferry.jar from the build context"; mv ferry.jar /build/; \
    else \
      echo "jar: ./mvnw package in the image"; ./mvnw -q -B package -DskipTests; cp target/ferry.jar /build/; \
    fi

# ---- Spring Boot's extracted layout, one folder per layer; the baked db/ checked against the build context's db/
# (a target/ferry.jar packaged before db/ last changed fails here) and against DB_CHECKSUM
FROM ${BUILD_IMAGE} AS extract
WORKDIR /build
COPY --from=jar /build/ferry.jar ferry.jar
COPY --from=jar /src/db context/db
RUN java -Djarmode=tools -jar ferry.jar extract --layers --destination extracted
ARG DB_CHECKSUM=
RUN set -e; sum() { find db -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1; }; \
    mkdir baked && cd baked && jar xf ../extracted/application/ferry.jar db; \
    test -d db/migration || { echo "the jar has no db/migration" >&2; exit 1; }; \
    baked=$(sum); context=$(cd ../context && sum); \
    echo "db/ baked in the jar: sha256 $baked"; \
    if [ "$context" != "$baked" ]; then \
      echo "target/ferry.jar is stale: the db/ inside it ($baked) is not the db/ of the build context ($context);" \
        "rebuild it (./mvnw -q -B package -DskipTests)" >&2; exit 1; \
    fi; \
    if [ -n "$DB_CHECKSUM" ] && [ "$DB_CHECKSUM" != "unknown" ] && [ "$DB_CHECKSUM" != "$baked" ]; then \
      echo "DB_CHECKSUM $DB_CHECKSUM is not the db/ inside the jar ($baked): rebuild target/ferry.jar" >&2; exit 1; \
    fi

# ---- small files for the runtime: the CA bundle (checked; none when RDS_CA_BUNDLE is empty), the user, its home.
# An empty RDS_CA_BUNDLE adds pom.xml in its place (ADD needs a source), removed below.
FROM ${BUILD_IMAGE} AS files
ARG RDS_CA_BUNDLE=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
ARG RDS_CA_SHA256=
ADD ${RDS_CA_BUNDLE:-pom.xml} /files/opt/ferry/rds-ca/global-bundle.pem
COPY --from=runtime-base /etc/passwd /etc/group /files/etc/
RUN set -e; cd /files; \
    mkdir -p home/ferry/.postgresql; \
    if [ -z "$RDS_CA_BUNDLE" ]; then \
      rm opt/ferry/rds-ca/global-bundle.pem; \
      echo "WARNING: RDS_CA_BUNDLE is empty: no RDS CA bundle baked; this image refuses verify-full against AWS" >&2; \
    else \
      if [ -n "$RDS_CA_SHA256" ]; then \
        echo "$RDS_CA_SHA256  opt/ferry/rds-ca/global-bundle.pem" | sha256sum -c -; \
      else \
        echo "WARNING: RDS_CA_SHA256 not set, the CA bundle is not pinned; got sha256" \
          "$(sha256sum opt/ferry/rds-ca/global-bundle.pem | cut -d' ' -f1) from $RDS_CA_BUNDLE" >&2; \
      fi; \
      grep -q 'BEGIN CERTIFICATE' opt/ferry/rds-ca/global-bundle.pem; \
      chmod 444 opt/ferry/rds-ca/global-bundle.pem; \
      ln -s /opt/ferry/rds-ca/global-bundle.pem home/ferry/.postgresql/root.crt; \
    fi; \
    chmod 755 opt/ferry opt/ferry/rds-ca; \
    echo 'ferry:x:10001:10001:Ferry:/home/ferry:/usr/sbin/nologin' >> etc/passwd; \
    echo 'ferry:x:10001:' >> etc/group; \
    chmod -R go-w home

# ---- the AOT cache, trained on the runtime image itself. AOT_TRAINING=onRefresh (the default): with dummy settings,
# the context refreshes and the run stops (spring.context.exit=onRefresh) before the runner, so no database is
# needed. AOT_TRAINING=migrate: a real migrate of the baked db/ into TRAINING_DB_URL, an empty throwaway database
# the build reaches (--network host), so that Flyway's, pgjdbc's and the runner's classes are in the cache too:
# about a tenth less CPU for a no-op at 0.25 vCPU (bench/profile-notes.md). The training database's credentials
# are build arguments of this stage only (not in the image's history): use a throwaway one. The placeholders below
# are the sample's; a db/ of your own needs its own in the training run (FERRY_PLACEHOLDER_* build environment is
# not passed in: add ENV lines, or keep onRefresh). The JVM options that shape the cache (GC, class path) are the
# ENTRYPOINT's.
FROM ${RUNTIME_IMAGE} AS train
WORKDIR /opt/ferry/app
COPY --from=extract /build/extracted/dependencies/ ./
COPY --from=extract /build/extracted/spring-boot-loader/ ./
COPY --from=extract /build/extracted/snapshot-dependencies/ ./
COPY --from=extract /build/extracted/application/ ./
ARG AOT_TRAINING=onRefresh
ARG TRAINING_DB_URL=jdbc:postgresql://127.0.0.1:9/training
ARG TRAINING_DB_USERNAME=training
ARG TRAINING_DB_PASSWORD=training
# spring.context.exit stops the run only at the value onRefresh; migrate lets it run.
ENV FERRY_DB_URL=${TRAINING_DB_URL} FERRY_DB_USERNAME=${TRAINING_DB_USERNAME} \
    FERRY_DB_PASSWORD=${TRAINING_DB_PASSWORD} FERRY_CONNECT_TIMEOUT=10s \
    FERRY_PLACEHOLDER_api_db_username=training FERRY_PLACEHOLDER_api_db_password=training \
    FERRY_ENVIRONMENT=training FERRY_LOG_FORMAT=text AWS_REGION=us-east-1 \
    JDK_JAVA_OPTIONS=-Dspring.context.exit=${AOT_TRAINING}
RUN ["java", "-XX:AOTCacheOutput=/opt/ferry/app/ferry.aot", "-Xlog:aot=error", \
     "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Dspring.aot.enabled=true", \
     "-jar", "/opt/ferry/app/ferry.jar"]

# ---- the image (FROM the image, not the runtime-base stage: podman's layer cache then keeps these layers)
FROM ${RUNTIME_IMAGE}
COPY --from=files /files/etc/passwd /files/etc/group /etc/
COPY --from=files /files/opt/ /opt/
COPY --from=files /files/home/ /home/
WORKDIR /opt/ferry/app
COPY --from=extract /build/extracted/dependencies/ ./
COPY --from=extract /build/extracted/spring-boot-loader/ ./
COPY --from=extract /build/extracted/snapshot-dependencies/ ./
COPY --from=extract /build/extracted/application/ ./
COPY --from=train /opt/ferry/app/ferry.aot ./
# The JVM decodes environment variables with the locale's charset, ASCII where none is set: with a UTF-8 locale every
# variable arrives intact, FLYWAY_* too, which Flyway reads from System.getenv() itself.
ENV LANG=C.UTF-8
USER 10001:10001
# The root filesystem may be read-only (ECS readonlyRootFilesystem): only /tmp is written (the JVM's temp files; put
# FERRY_REPORT_FILE there). The CA bundle is where FERRY_DB_SSL_ROOT_CERT points by default, and user.home's
# .postgresql/root.crt (pgjdbc's own default) links to it too, for any uid. C1 only (TieredStopAtLevel=1) and
# SerialGC suit a short single-threaded run: measurably faster start, less memory. spring.aot.enabled runs the bean
# definitions generated at build time (process-aot) instead of working them out at every start. -Xms16m: the heap
# starts small wherever it runs and grows as a run needs it (up to the 70 %); left to the JVM it starts at 1/64 of the
# machine's memory, and a no-op on a large host then never collects and keeps its garbage resident (151 MB peak RSS
# against 116 with it, same CPU; bench/profile-notes.md). Not in JAVA_TOOL_OPTIONS: the JVM
# echoes that on stderr at every start, a non-JSON line in JSON logs. Options of your own: JDK_JAVA_OPTIONS.
ENTRYPOINT ["java", "-XX:AOTCache=/opt/ferry/app/ferry.aot", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", \
            "-Xms16m", "-XX:MaxRAMPercentage=70", "-XX:-UsePerfData", "-Dspring.aot.enabled=true", "-Djava.io.tmpdir=/tmp", \
            "-Duser.home=/home/ferry", \
            "-jar", "/opt/ferry/app/ferry.jar"]

ARG GIT_SHA=unknown
ARG CREATED=unknown
ARG SOURCE_URL=unknown
ARG DB_CHECKSUM=unknown
ARG RUNTIME_IMAGE
LABEL org.opencontainers.image.title="ferry" \
      org.opencontainers.image.description="One-shot Flyway migration runner for PostgreSQL and Aurora, db/ baked in" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}" \
      dev.ferry.db-checksum="${DB_CHECKSUM}"
