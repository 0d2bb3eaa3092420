# TLS and token-auth material for a test broker, and the standalone.conf lines that switch them on. Sourced by
# scripts/pulsar-standalone.sh (which sets PULSAR_RUN_DIR and the ports); never run on its own.
#
# Everything is made once, with openssl, into the run dir, and reused while it is there (delete
# $PULSAR_RUN_DIR/tls or /auth to start over):
#   tls/ca.cert.pem, ca.key.pem          our own CA
#   tls/broker.cert.pem, broker.key.pem  the broker's certificate for IP 127.0.0.1 and DNS localhost (PKCS#8 key)
#   tls/other-ca.cert.pem                an unrelated CA, for tests that expect an untrusted certificate
#   auth/secret.key                      32 random bytes: the HS256 key tokens are signed with
#   auth/superuser.token                 sub=superuser, no expiry: the broker's own client and admin calls
#   auth/user.token                      sub=test-user, no expiry: granted produce+consume on public/default
# `pulsar-standalone.sh token SUBJECT [SECONDS]` mints more (SECONDS < 0 gives one that has expired).
# shellcheck shell=bash

SECURITY_SUPERUSER=superuser
SECURITY_TEST_USER=test-user
TLS_DIR=$PULSAR_RUN_DIR/tls
AUTH_DIR=$PULSAR_RUN_DIR/auth

# A self-signed CA: key and certificate into $1.key.pem / $1.cert.pem.
make_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$1.key.pem" -out "$1.cert.pem" 2>/dev/null
}

ensure_tls_material() {
  [ -s "$TLS_DIR/broker.cert.pem" ] && [ -s "$TLS_DIR/broker.key.pem" ] && [ -s "$TLS_DIR/ca.cert.pem" ] &&
    [ -s "$TLS_DIR/other-ca.cert.pem" ] &&
    openssl x509 -checkend 86400 -noout -in "$TLS_DIR/broker.cert.pem" >/dev/null && return 0
  command -v openssl >/dev/null || pf_die "openssl is needed for PULSAR_TLS=1"
  local staging=$TLS_DIR.partial
  rm -rf "$staging" && mkdir -p "$staging"
  (
    cd "$staging"
    umask 077
    make_ca ca "pf-bash test CA"
    make_ca other-ca "pf-bash unrelated CA"
    rm -f other-ca.key.pem
    # `req -newkey` writes the key as PKCS#8 ("BEGIN PRIVATE KEY"), the form the broker's tlsKeyFilePath needs.
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=127.0.0.1" -keyout broker.key.pem \
      -out broker.csr 2>/dev/null
    printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=CA:FALSE' \
      'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' >broker.ext
    openssl x509 -req -sha256 -days 825 -in broker.csr -CA ca.cert.pem -CAkey ca.key.pem -CAcreateserial \
      -extfile broker.ext -out broker.cert.pem 2>/dev/null
    rm -f broker.csr broker.ext ca.cert.srl
    # The certificates are public; the JVM and tests read them.
    chmod 644 ./*.cert.pem
  ) || pf_die "openssl could not make the TLS material in $staging"
  rm -rf "$TLS_DIR" && mv "$staging" "$TLS_DIR"
  pf_log "made a CA and a broker certificate for 127.0.0.1/localhost in $TLS_DIR"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# Prints an HS256 JWT for subject $1, signed with auth/secret.key; with $2, it expires $2 seconds from now.
mint_token() {
  local subject=$1 expires_in=${2:-}
  [[ $subject =~ ^[A-Za-z0-9._-]+$ ]] || pf_die "token subject must match [A-Za-z0-9._-]+, got '$subject'"
  [ -z "$expires_in" ] || [[ $expires_in =~ ^-?[0-9]+$ ]] || pf_die "expiry must be seconds, got '$expires_in'"
  [ -s "$AUTH_DIR/secret.key" ] || pf_die "no $AUTH_DIR/secret.key: start the broker with PULSAR_AUTH_TOKEN=1 first"
  local claims header body key signature
  claims=$(printf '{"sub":"%s"' "$subject")
  [ -z "$expires_in" ] || claims+=$(printf ',"exp":%d' $(($(date +%s) + expires_in)))
  header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
  body=$(printf '%s}' "$claims" | b64url)
  key=$(od -An -v -tx1 "$AUTH_DIR/secret.key" | tr -d ' \n')
  signature=$(printf '%s.%s' "$header" "$body" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
    b64url)
  printf '%s.%s.%s\n' "$header" "$body" "$signature"
}

ensure_auth_material() {
  if [ ! -s "$AUTH_DIR/secret.key" ]; then
    mkdir -p "$AUTH_DIR" && chmod 700 "$AUTH_DIR"
    # Raw bytes: the broker's tokenSecretKey=file:// reads the file as the key itself.
    (umask 077 && openssl rand 32 >"$AUTH_DIR/secret.key.tmp") && mv "$AUTH_DIR/secret.key.tmp" "$AUTH_DIR/secret.key"
    rm -f "$AUTH_DIR"/*.token
    pf_log "made an HS256 secret key in $AUTH_DIR"
  fi
  local role file
  for role in superuser:$SECURITY_SUPERUSER user:$SECURITY_TEST_USER; do
    file=$AUTH_DIR/${role%%:*}.token
    [ -s "$file" ] || (umask 077 && mint_token "${role#*:}" >"$file")
  done
}

# Prints the standalone.conf lines for the variants switched on (appended to the overrides).
security_overrides() {
  if [ "$PULSAR_TLS" = 1 ]; then
    ensure_tls_material
    cat <<CONF

### TLS (PULSAR_TLS=1): extra listeners; the plain ones stay for the broker's own clients.
brokerServicePortTls=$PULSAR_BROKER_TLS_PORT
webServicePortTls=$PULSAR_HTTPS_PORT
tlsCertificateFilePath=$TLS_DIR/broker.cert.pem
tlsKeyFilePath=$TLS_DIR/broker.key.pem
tlsTrustCertsFilePath=$TLS_DIR/ca.cert.pem
tlsRequireTrustedClientCertOnConnect=false
brokerClientTrustCertsFilePath=$TLS_DIR/ca.cert.pem
CONF
  fi
  if [ "$PULSAR_AUTH_TOKEN" = 1 ]; then
    ensure_auth_material
    cat <<CONF

### Token authentication and authorization (PULSAR_AUTH_TOKEN=1)
authenticationEnabled=true
authenticationProviders=org.apache.pulsar.broker.authentication.AuthenticationProviderToken
tokenSecretKey=file://$AUTH_DIR/secret.key
# How often the broker looks for expired credentials on open connections and challenges the client.
authenticationRefreshCheckSeconds=$PULSAR_AUTH_REFRESH_SECONDS
authorizationEnabled=true
superUserRoles=$SECURITY_SUPERUSER
# The broker's own client (namespace setup, system topics) talks to the plain listeners as the superuser.
brokerClientAuthenticationPlugin=org.apache.pulsar.client.impl.auth.AuthenticationToken
brokerClientAuthenticationParameters=file://$AUTH_DIR/superuser.token
CONF
  fi
}

# curl arguments for the admin API as the superuser (nothing when auth is off).
admin_auth_args() {
  [ "$PULSAR_AUTH_TOKEN" = 1 ] || return 0
  printf '%s\0' -H "Authorization: Bearer $(cat "$AUTH_DIR/superuser.token")"
}

# After a start: the test user may produce and consume in public/default (idempotent).
grant_test_user() {
  [ "$PULSAR_AUTH_TOKEN" = 1 ] || return 0
  local auth=() code
  mapfile -d '' auth < <(admin_auth_args)
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "${auth[@]}" \
    -H 'content-type: application/json' -d '["produce","consume"]' \
    "http://127.0.0.1:$PULSAR_HTTP_PORT/admin/v2/namespaces/public/default/permissions/$SECURITY_TEST_USER")
  [[ $code == 2?? ]] || pf_die "granting $SECURITY_TEST_USER produce+consume on public/default: HTTP $code"
}

security_env() {
  if [ "$PULSAR_TLS" = 1 ]; then
    echo "PULSAR_TLS_SERVICE_URL=pulsar+ssl://127.0.0.1:$PULSAR_BROKER_TLS_PORT"
    echo "PULSAR_TLS_ADMIN_URL=https://127.0.0.1:$PULSAR_HTTPS_PORT"
    echo "PULSAR_TLS_CA=$TLS_DIR/ca.cert.pem"
    echo "PULSAR_TLS_OTHER_CA=$TLS_DIR/other-ca.cert.pem"
  fi
  if [ "$PULSAR_AUTH_TOKEN" = 1 ]; then
    echo "PULSAR_AUTH_SUPERUSER_TOKEN_FILE=$AUTH_DIR/superuser.token"
    echo "PULSAR_AUTH_USER_TOKEN_FILE=$AUTH_DIR/user.token"
  fi
}
