#!/usr/bin/env bash
# Starts `edu-sso serve` on a throwaway database, registers the test apps and students with the CLI, and runs
# the pytest suites in a throwaway virtualenv: Tests/interop (authlib and jwcrypto as an independent relying
# party) and Tests/browser (headless Chromium driven by Selenium, with axe-core accessibility checks).
# Messages go to real servers on loopback (Tests/interop/sinks.py): an SMTP server (aiosmtpd) that requires
# STARTTLS and AUTH, and an HTTP sink standing in for the SMS gateway.
# EDU_SSO_DATABASE_URL (postgres://…) runs the server on that database instead of a throwaway SQLite file;
# INTEROP_SUITES=interop runs the interoperability suite only; INTEROP_LOG_FORMAT (json by default) picks the
# server's log format, which the log tests parse; INTEROP_TESTS narrows the interoperability run (pytest paths).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
swift build --product edu-sso >/dev/null
swift build --product county-idp >/dev/null
bin="$root/.build/debug/edu-sso"
county_bin="$root/.build/debug/county-idp"

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export EDU_SSO_ISSUER="http://127.0.0.1:$port" EDU_SSO_PORT=$port EDU_SSO_DATA_DIR="$work/data" \
       EDU_SSO_KEYS_DIR="$work/keys" EDU_SSO_DEVELOPMENT=true EDU_SSO_LOG_LEVEL=debug \
       EDU_SSO_LOGIN_RATE_LIMIT_PER_MINUTE=1000 EDU_SSO_RATE_LIMIT_PER_MINUTE=100000 EDU_SSO_PURGE_INTERVAL_SECONDS=5 \
       EDU_SSO_CAPTCHA_TEST_CODE=123 EDU_SSO_ADMIN_PORT=$((port + 10)) EDU_SSO_LOG_FORMAT="${INTEROP_LOG_FORMAT:-json}"
server_pid=""
sinks_pid=""
county_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$county_pid" ] && kill "$county_pid" 2>/dev/null
  [ -n "$sinks_pid" ] && kill "$sinks_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The browser suite needs Chromium and its driver from Debian; the QR codes are read back with zbarimg.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v zbarimg >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver zbar-tools >/dev/null
fi

venv="$root/Tests/interop/.venv"
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c "import selenium, axe_core_python, aiosmtpd, pyotp" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check authlib jwcrypto requests pytest selenium axe-core-python aiosmtpd \
    pyotp
fi
export INTEROP_WORK="$work"
"$venv/bin/python" Tests/interop/sinks.py >"$work/sinks.log" 2>&1 &
sinks_pid=$!
for _ in $(seq 1 100); do [ -f "$work/sinks/ready.json" ] && break; sleep 0.1; done
[ -f "$work/sinks/ready.json" ] || { cat "$work/sinks.log"; exit 1; }
ready() { "$venv/bin/python" -c "import json,sys; print(json.load(open('$work/sinks/ready.json'))[sys.argv[1]])" "$1"; }
export EDU_SSO_SMTP_HOST=localhost EDU_SSO_SMTP_PORT="$(ready smtp_port)" EDU_SSO_SMTP_SECURITY=starttls \
       EDU_SSO_SMTP_CA_FILE="$(ready ca_file)" EDU_SSO_SMTP_USERNAME=edusso EDU_SSO_SMTP_PASSWORD=sink-smtp-password-0123 \
       EDU_SSO_MAIL_FROM=no-reply@sso.test EDU_SSO_SMS_GATEWAY_URL="$(ready sms_url)" \
       EDU_SSO_SMS_GATEWAY_BEARER_TOKEN=sink-sms-token-0123456789 \
       EDU_SSO_MESSAGE_RETRY_BASE_SECONDS=1 EDU_SSO_MESSAGE_POLL_SECONDS=1 EDU_SSO_SUPPORT_EMAIL=support@sso.test
# An app with a back-channel logout endpoint, served by the HTTP sink.
sink_base="$(ready sms_url)"; sink_base="${sink_base%/send}"
"$bin" client add --id interop-bcl --name "Back-channel RP" --secret bcl-secret-0123456789 \
  --redirect-uri http://127.0.0.1:9/cb --backchannel-logout-uri "$sink_base/backchannel/interop-bcl" >/dev/null
# The private_key_jwt client's key pair: the private half stays with the test, the public half is registered.
"$venv/bin/python" - "$work" <<'PY'
import sys
from jwcrypto import jwk
key = jwk.JWK.generate(kty="RSA", size=2048, kid="interop-key-1")
open(sys.argv[1] + "/pkjwt-private.json", "w").write(key.export_private())
open(sys.argv[1] + "/pkjwt-public.json", "w").write('{"keys": [%s]}' % key.export_public())
PY

"$bin" client add --id interop-rp --name "Interop RP" --secret interop-secret-0123456789 \
  --redirect-uri http://127.0.0.1:9/cb --post-logout-redirect-uri http://127.0.0.1:9/bye \
  --scopes "openid profile email phone offline_access openid2 eduinfo educloudroles guid personid relation" >/dev/null
"$bin" client add --id interop-post --name "Kaohsiung-style RP" --secret post-secret-0123456789 --auth-method client_secret_post \
  --redirect-uri http://127.0.0.1:9/cb --no-pkce >/dev/null
"$bin" client add --id interop-public --name "Mobile RP" --type public --redirect-uri http://127.0.0.1:9/mobile >/dev/null
"$bin" client add --id interop-other --name "Other RP" --secret other-secret-0123456789 --redirect-uri http://127.0.0.1:9/other >/dev/null
"$bin" client add --id interop-svc --name "Service" --secret svc-secret-0123456789 --redirect-uri http://127.0.0.1:9/svc \
  --scopes "eduinfo guid" --access-token-alg RS256 >/dev/null
"$bin" client add --id interop-pkjwt --name "Key-based RP" --auth-method private_key_jwt \
  --jwks-file "$work/pkjwt-public.json" --redirect-uri http://127.0.0.1:9/cb >/dev/null
"$bin" client add --id interop-es256 --name "ES256 RP" --secret es256-secret-0123456789 --id-token-alg ES256 \
  --redirect-uri http://127.0.0.1:9/cb >/dev/null
"$bin" account add --username interop.student --password "Passw0rd1234" --name "林小華" --national-id A123456789 \
  --mobile 0911222333 --school-id 193662 --school-name 市立惠來國小 --grade 6 --class-no 04 --class-title 六年四班 \
  --seat-no 7 --year 114 --semester 1 >/dev/null
"$bin" account add --username interop.locked --password "Passw0rd1234" --name "測試鎖定" >/dev/null
"$bin" account add --username interop.disabled --password "Passw0rd1234" --name "停用帳號" >/dev/null
"$bin" account disable interop.disabled >/dev/null
"$bin" account add --username interop.editor --password "Passw0rd1234" --name "編輯者" --email old@example.com \
  --mobile 0966777888 >/dev/null
"$bin" account add --username interop.mover --password "Passw0rd1234" --name "黃小芸" --national-id A223456781 \
  --school-id 193662 --school-name 市立惠來國小 --grade 6 --class-no 01 --class-title 六年一班 --seat-no 2 \
  --year 114 --semester 1 >/dev/null
# The security pages (app authorizations, records, two-factor): each test has its own student.
for name in revoker tfa tfa2 stepup records journey shutdown; do
  "$bin" account add --username "interop.$name" --password "Passw0rd1234" --name "安全測試" \
    --email "$name@example.com" >/dev/null
done
# The 介接應用服務 portal: one listed app with a logo (a 1×1 PNG), the other apps unlisted.
"$venv/bin/python" - "$work/logo.png" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(b"\x00\x1f\x6f\xb5")) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
"$bin" client listing interop-rp --description "互通測試用的學習平臺" --category 學習資源 \
  --url https://rp.example.edu.tw/ --logo-file "$work/logo.png" >/dev/null
# Two accounts already bound to one mobile number: a third is refused.
"$bin" account add --username interop.khlinked --password "Passw0rd1234" --name "高雄小明" --national-id E120002005 \
  --school-id 523601 --school-name 市立鼓山區鼓山國小 --grade 5 --class-no 03 --class-title 五年三班 --seat-no 7 \
  --year 114 --semester 1 >/dev/null
"$bin" account add --username interop.khtfa --password "Passw0rd1234" --name "高雄雙因" --national-id E120002032 \
  --email khtfa@example.com --school-id 523601 --school-name 市立鼓山區鼓山國小 --grade 5 --class-no 03 \
  --class-title 五年三班 --seat-no 10 --year 114 --semester 1 >/dev/null
"$bin" account add --username interop.khreset --password "Passw0rd1234" --name "高雄重設" --national-id E120002069 \
  --school-id 523601 --school-name 市立鼓山區鼓山國小 --grade 5 --class-no 03 --class-title 五年三班 --seat-no 13 \
  --year 114 --semester 1 >/dev/null
"$bin" account add --username interop.sibling1 --password "Passw0rd1234" --name "兄" --mobile 0955666777 >/dev/null
"$bin" account add --username interop.sibling2 --password "Passw0rd1234" --name "弟" --mobile 0955666777 >/dev/null

# Registry data for the account-application tests (valid-checksum IDs made for tests, not real people).
printf '%s\n' "national_id,name,school_code,school_level,grade,class_no,seat_no,academic_year,semester,status" \
  "B120000017,陳小安,193662,國小,5,02,11,114,1,在學" "B220000019,張美玲,193662,國小,6,01,3,114,1,在學" \
  "B120000026,林志明,193662,國小,4,03,20,114,1,在學" \
  "A223456781,黃小芸,193516,國中,7,05,9,114,2,在學" \
  "B120000035,周柏翰,193662,國小,6,03,8,114,1,在學" "B120000044,吳思妤,193662,國小,6,03,9,114,1,在學" \
  "B120000053,許志豪,193662,國小,5,01,4,114,1,在學" \
  "B120000062,鄭家豪,193662,國小,6,05,12,114,1,在學" "B220000082,蔡宜庭,193662,國小,6,05,13,114,1,在學" \
  "B120000071,簡小雨,193662,國小,6,06,1,114,1,在學" "B120000099,柯大山,193662,國小,6,06,2,114,1,在學" \
  "B120000106,林目標,193662,國小,6,06,3,114,1,在學" \
  "E120002005,高雄小明,523601,國小,5,03,7,114,1,在學" "E120002014,高雄小華,523601,國小,5,03,8,114,1,在學" \
  "E120002023,高雄停用,523601,國小,5,03,9,114,1,在學" "E120002032,高雄雙因,523601,國小,5,03,10,114,1,在學" \
  "E120002041,高雄新生,523601,國小,5,03,11,114,1,在學" "E120002050,高雄未申,523601,國小,5,03,12,114,1,在學" \
  "E120002069,高雄重設,523601,國小,5,03,13,114,1,在學" \
  > "$work/roster.csv"
"$bin" registry import "$work/roster.csv" >/dev/null

# Mock county providers (county-idp) on their own loopback ports; "zz" is configured at EduSSO but never runs
# (a county that is down). Test identities are added for known registry records; the rest is seeded.
cport=$((port + 1))
cat >"$work/counties.yaml" <<YAML
host: 127.0.0.1
data_dir: $work/counties
client_id: edu-sso
redirect_uris: [$EDU_SSO_ISSUER/login/county/callback]
post_logout_redirect_uris: [$EDU_SSO_ISSUER/]
registry_database: ${EDU_SSO_DATABASE_URL:-$work/data/edu-sso.sqlite}
seed_password: County1234
seed_per_school: 2
counties:
  - {code: kh, name: 高雄市, port: $cport, style: seat, client_secret: county-test-secret-kh-0123456789}
  - {code: tp, name: 臺北市, port: $((cport + 1)), style: classic, client_secret: county-test-secret-tp-0123456789}
YAML
export EDU_SSO_COUNTIES="[{\"code\":\"kh\",\"name\":\"高雄市\",\"issuer\":\"http://127.0.0.1:$cport\",\"client_id\":\"edu-sso\",\"client_secret\":\"county-test-secret-kh-0123456789\"},{\"code\":\"tp\",\"name\":\"臺北市\",\"issuer\":\"http://127.0.0.1:$((cport + 1))\",\"client_id\":\"edu-sso\",\"client_secret\":\"county-test-secret-tp-0123456789\"},{\"code\":\"zz\",\"name\":\"停機縣\",\"issuer\":\"http://127.0.0.1:$((cport + 2))\",\"client_id\":\"edu-sso\",\"client_secret\":\"county-test-secret-zz-0123456789\"}]"
export EDU_SSO_COUNTY_TIMEOUT_SECONDS=2 COUNTY_CONFIG="$work/counties.yaml" COUNTY_BIN="$county_bin"
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khlinked --password County1234 \
  --national-id E120002005 --name 高雄小明 --school-id 523601 --grade 5 --class-no 03 --seat-no 7 >/dev/null
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khnew --password County1234 \
  --national-id E120002014 --name 高雄小華 --school-id 523601 --grade 5 --class-no 03 --seat-no 8 >/dev/null
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khoff --password County1234 \
  --national-id E120002023 --name 高雄停用 --school-id 523601 --grade 5 --class-no 03 --seat-no 9 >/dev/null
"$county_bin" account disable --config "$work/counties.yaml" --county kh khoff >/dev/null
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khreg --password County1234 \
  --national-id E120002041 --name 高雄新生 --school-id 523601 --grade 5 --class-no 03 --seat-no 11 >/dev/null
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khfresh --password County1234 \
  --national-id E120002050 --name 高雄未申 --school-id 523601 --grade 5 --class-no 03 --seat-no 12 >/dev/null
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khreset --password County1234 \
  --national-id E120002069 --name 高雄重設 --school-id 523601 --grade 5 --class-no 03 --seat-no 13 >/dev/null
"$county_bin" account add --config "$work/counties.yaml" --county kh --username khtfa --password County1234 \
  --national-id E120002032 --name 高雄雙因 --school-id 523601 --grade 5 --class-no 03 --seat-no 10 >/dev/null
"$county_bin" serve --config "$work/counties.yaml" >"$work/county.log" 2>&1 &
county_pid=$!

# The log (standard error) alone in server.log, so that every line of it must parse in its format.
"$bin" serve >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$EDU_SSO_ISSUER/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$EDU_SSO_ISSUER/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$cport/.well-known/openid-configuration" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$cport/.well-known/openid-configuration" >/dev/null || { cat "$work/county.log"; exit 1; }

status=0
export INTEROP_BIN="$bin"
# Two runs: each suite has its own conftest module.
"$venv/bin/pytest" -q -p no:cacheprovider ${INTEROP_TESTS:-Tests/interop} || status=$?
if [ "${INTEROP_SUITES:-all}" = all ]; then
  "$venv/bin/pytest" -q -p no:cacheprovider Tests/browser || status=$?
fi
if [ $status -ne 0 ]; then echo "--- server log"; tail -50 "$work/server.log"; echo "--- county log"; tail -20 "$work/county.log"; fi
exit $status
