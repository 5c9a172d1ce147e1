// The zoom-out to a filtered list's first answer, loaded the first time a list's answers are all outside the view.
// Zoomed out that far, the answer can sit inside a cluster at the map's edge, one dot among many: the map then zooms
// in around it, one level each time it has drawn, so the answer stays where it is on the screen until it is a marker
// of its own (or the map is fully zoomed in, where the list shows what a cluster holds).

export function showFirst(page) {
  const { map, state } = page;
  const n = state.nearest, first = n.features[0], [lon, lat] = first.geometry.coordinates;
  const at = L.latLng(lat, lon);
  // app.js calls this after each view is drawn and the list has settled; a list with another first answer ends it.
  state.split = () => {
    const now = state.nearest && state.nearest.features[0];
    if (!now || now.id !== first.id || state.drawn.some((d) => d.id === first.id) || map.getZoom() >= map.getMaxZoom()) {
      state.split = null;
      return;
    }
    map.setZoomAround(at, map.getZoom() + 1);
  };
  map.fitBounds(L.latLngBounds([L.latLng(n.lat, n.lon), at]), { padding: [page.margin, page.margin], maxZoom: map.getZoom() });
}
