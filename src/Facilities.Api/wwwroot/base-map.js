// A base map drawn in GCJ-02 (Amap, Tencent) or BD-09 (Baidu), loaded only when map-config names one: the tiles move
// so that what they show lines up with the page's positions, which all stay WGS 84 — markers, the resident's dot, a
// dragged pin and every request. The offset is the service's own conversion (/api/v1/map-config/position, the code
// that converts the directions links), asked for the centre of the view after each move: it changes by less than a
// metre across a street-level view, and by less than a pixel across a wider one.
// Leaflet 1.9 places each tile at _getTilePos(coords); the layer's version of it adds the offset, and tiles already
// placed are moved when the offset changes.

export function align(tiles, P) {
  const map = P.map;
  let offset = L.point(0, 0);
  const place = tiles._getTilePos;
  tiles._getTilePos = function (coords) { return place.call(this, coords).add(offset); };
  let asked = 0;

  function update() {
    const centre = map.getCenter().wrap();
    const mine = ++asked;
    P.getJson('api/v1/map-config/position?crs=' + P.state.config.tile_crs + '&lat=' + centre.lat.toFixed(6) + '&lon=' + centre.lng.toFixed(6))
      .then(function (drawn) {
        if (mine !== asked || tiles._tileZoom === undefined) { return; }
        const zoom = tiles._tileZoom;
        // Where the tiles show the centre, minus where the page draws it: the tiles move back by that much.
        const next = map.project(centre, zoom).subtract(map.project(L.latLng(drawn.lat, drawn.lon), zoom)).round();
        if (next.equals(offset)) { return; }
        offset = next;
        Object.keys(tiles._tiles).forEach(function (key) {
          const tile = tiles._tiles[key];
          L.DomUtil.setPosition(tile.el, tiles._getTilePos(tile.coords));
        });
        map.getContainer().dataset.tileOffset = offset.x + ',' + offset.y;
      }, function () { /* the tiles stay where they are until the next move */ });
  }
  map.on('moveend', update);
  update();
}
