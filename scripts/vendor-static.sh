#!/usr/bin/env bash
# Vendor the web UI's static assets from the npm registry into
# src/newsledger/web/static/vendor/ (committed; the server never touches a CDN).
# Versions are pinned here; re-run after changing a pin. Needs node + npm.
set -euo pipefail

HTMX=2.0.8
LEAFLET=1.9.4
WORLD_ATLAS=2.0.2
TOPOJSON_CLIENT=3.1.0
SWAGGER_UI=5.29.0

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/newsledger/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null 2>&1
npm install --no-audit --no-fund --ignore-scripts --save-exact \
  "htmx.org@$HTMX" "leaflet@$LEAFLET" "world-atlas@$WORLD_ATLAS" \
  "topojson-client@$TOPOJSON_CLIENT" "swagger-ui-dist@$SWAGGER_UI" >/dev/null

rm -rf "$dest"
mkdir -p "$dest/htmx" "$dest/leaflet/images" "$dest/world" "$dest/swagger-ui"
nm="$work/node_modules"
cp "$nm/htmx.org/dist/htmx.min.js" "$nm/htmx.org/LICENSE" "$dest/htmx/"
cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.css" "$nm/leaflet/LICENSE" \
  "$dest/leaflet/"
cp "$nm/leaflet/dist/images/"*.png "$dest/leaflet/images/"
cp "$nm/swagger-ui-dist/swagger-ui-bundle.js" "$nm/swagger-ui-dist/swagger-ui.css" \
  "$nm/swagger-ui-dist/LICENSE" "$dest/swagger-ui/"
cp "$nm/world-atlas/LICENSE" "$dest/world/LICENSE.world-atlas"
cp "$nm/topojson-client/LICENSE" "$dest/world/LICENSE.topojson-client"

# Natural Earth 1:110m country outlines, TopoJSON -> GeoJSON at vendoring time.
node -e '
const topojson = require(process.argv[1]);
const topo = require(process.argv[2]);
const geo = topojson.feature(topo, topo.objects.countries);
const round = (c) => Array.isArray(c[0]) ? c.map(round) : c.map((v) => Math.round(v * 1000) / 1000);
// Rings that cross the antimeridian jump from +180 to -180; Leaflet (planar) would draw
// a line across the whole world, so keep each ring continuous (longitudes past 180).
const unwrap = (ring) => { for (let i = 1; i < ring.length; i++) {
  while (ring[i][0] - ring[i - 1][0] > 180) ring[i][0] -= 360;
  while (ring[i][0] - ring[i - 1][0] < -180) ring[i][0] += 360; } return ring; };
const rings = (g) => g.type === "Polygon" ? g.coordinates.map(unwrap)
  : g.coordinates.map((poly) => poly.map(unwrap));
// The Antarctica ring runs along the pole, which a Mercator map cannot show: drop it.
geo.features = geo.features.filter((f) => f.geometry && f.properties.name !== "Antarctica");
for (const f of geo.features) { f.geometry.coordinates = round(rings(f.geometry)); }
process.stdout.write(JSON.stringify(geo));
' "$nm/topojson-client" "$nm/world-atlas/countries-110m.json" > "$dest/world/countries-110m.geojson"

installed() { node -p "require('$nm/$1/package.json').version"; }
cat > "$dest/VERSIONS.txt" <<TXT
Vendored by scripts/vendor-static.sh from the npm registry (registry.npmjs.org).
No CDN is used at run time; these files are served from /static/vendor/.

htmx.org        $(installed htmx.org)   0BSD          htmx/htmx.min.js
leaflet         $(installed leaflet)   BSD-2-Clause  leaflet/leaflet.js, leaflet.css, images/
swagger-ui-dist $(installed swagger-ui-dist)  Apache-2.0    swagger-ui/swagger-ui-bundle.js, swagger-ui.css
world-atlas     $(installed world-atlas)   ISC           countries-110m.json (Natural Earth 1:110m
                                              admin-0 countries, public domain) converted to
                                              world/countries-110m.geojson
topojson-client $(installed topojson-client)   ISC           used only at vendoring time for the conversion
TXT
echo "vendored into $dest"
