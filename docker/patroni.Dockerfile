# syntax=docker/dockerfile:1
# A PostgreSQL 15 + PostGIS node managed by Patroni, with pgBackRest for the WAL archive: the image behind
# compose.ha.yaml's db1 and db2 (the same Debian packages ./run.sh --ha uses). Its configuration is patroni.yml,
# with the node's name and addresses from the environment (PATRONI_NAME, PATRONI_RESTAPI_CONNECT_ADDRESS,
# PATRONI_POSTGRESQL_CONNECT_ADDRESS), which Patroni reads over the file.
FROM postgis/postgis:15-3.4
RUN apt-get update \
    && apt-get install -y --no-install-recommends patroni pgbackrest curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/pgbackrest /var/log/pgbackrest /var/spool/pgbackrest \
    && chown postgres: /var/lib/pgbackrest /var/log/pgbackrest /var/spool/pgbackrest
COPY docker/patroni.yml /etc/patroni.yml
COPY docker/pgbackrest.conf /etc/pgbackrest.conf
USER postgres
ENTRYPOINT ["patroni", "/etc/patroni.yml"]
