/*
 * The atlas's own map layers, drawn in the browser.
 *
 * Every function takes the folium layer or map it draws into (`parent`), its settings
 * (`opts`) and, for layers drawn from data, the data itself (`data`): an object of named
 * columns, one array per field, all as long as the layer has features ({lat: [...],
 * lon: [...], tooltip: [...]}). One array per field and no key per feature keeps the
 * payload small at 100,000 incidents.
 *
 * The page passes both as JSON serialised by atlas.escape.script_json, and every text that
 * Leaflet places as HTML (tooltips, popups, labels, the legend) arrives escaped by
 * atlas.escape.escape_html: these functions join such texts with markup of their own and
 * never escape or unescape anything.
 */
(function (global) {
  'use strict';

  /* How many features a layer's columns describe. */
  function size(data) {
    var names = Object.keys(data);
    return names.length ? data[names[0]].length : 0;
  }

  /* Incidents: circles coloured by event type and sized by fatalities. */

  // The popup is built when it opens, from the incident's escaped values; the labels are
  // the keys of data.details (our own words, escaped too), in the order they are listed.
  function incidentPopup(data, i) {
    var html = '<div class="atlas-popup"><h4>' + data.title[i] + '</h4><table>';
    Object.keys(data.details).forEach(function (label) {
      var value = data.details[label][i];
      if (value !== '') {
        html += '<tr><th>' + label + '</th><td>' + value + '</td></tr>';
      }
    });
    return html + '</table></div>';
  }

  function incidentMarker(data, i, opts) {
    return L.circleMarker([data.lat[i], data.lon[i]], {
      radius: data.radius[i], color: '#ffffff', weight: 1, fillColor: data.colour[i],
      fillOpacity: 0.85, className: opts.className
    })
      .bindPopup(function () { return incidentPopup(data, i); }, {maxWidth: 380})
      .bindTooltip(data.tooltip[i]);
  }

  /* One circle per incident; with opts.rings, a dashed ring of its location's uncertainty
     (data.ring, metres; 0 for none). */
  function incidentMarkers(group, opts, data) {
    for (var i = 0, n = size(data); i < n; i++) {
      if (opts.rings && data.ring[i] > 0) {
        L.circle([data.lat[i], data.lon[i]], {
          radius: data.ring[i], color: data.colour[i], weight: 1, dashArray: '3 3',
          fillOpacity: 0.06, interactive: false, className: 'atlas-uncertainty'
        }).addTo(group);
      }
      incidentMarker(data, i, opts).addTo(group);
    }
  }

  /* The same markers, clustered (Leaflet.markercluster). */
  function clusteredIncidents(group, opts, data) {
    var markers = [];
    for (var i = 0, n = size(data); i < n; i++) { markers.push(incidentMarker(data, i, opts)); }
    var cluster = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
      maxClusterRadius: 50});
    cluster.addLayers(markers);
    // The app's map component reports a click with the tooltip of the last layer that had
    // one; a cluster has none, so its click must not carry the last incident's.
    cluster.on('clusterclick', function () {
      if (global.__GLOBAL_DATA__) { global.__GLOBAL_DATA__.last_object_clicked_tooltip = null; }
    });
    cluster.addTo(group);
  }

  /* Hexagons: data.outline ([[lat, lon], ...] each), data.colour, data.label. */
  function hexCells(group, opts, data) {
    for (var i = 0, n = size(data); i < n; i++) {
      L.polygon(data.outline[i], {
        color: '#ffffff', weight: 0.6, fillColor: data.colour[i], fillOpacity: 0.75,
        className: opts.className, pane: opts.pane
      }).bindTooltip(data.label[i], {sticky: true}).addTo(group);
    }
  }

  /* A heat map (Leaflet.heat) of data.lat, data.lon and data.weight; opts go to the layer. */
  function heatPoints(group, opts, data) {
    var points = data.lat.map(function (lat, i) { return [lat, data.lon[i], data.weight[i]]; });
    L.heatLayer(points, opts).addTo(group);
  }

  /* A mission symbol per base. The symbol is an outline whose box lets clicks through:
     only its stroke is clickable, so an incident inside it can be opened. */
  function deploymentMarkers(group, opts, data) {
    var side = opts.size, half = side / 2;
    for (var i = 0, n = size(data); i < n; i++) {
      var icon = L.divIcon({html: data.symbol[i], className: opts.className,
        iconSize: [side, side], iconAnchor: [half, half]});
      var marker = L.marker([data.lat[i], data.lon[i]], {icon: icon, riseOnHover: true});
      marker.on('add', function (e) {
        var element = e.target.getElement();
        element.style.pointerEvents = 'none';
        yieldToIncidents(element);
      });
      marker.bindPopup(data.popup[i], {maxWidth: 380}).bindTooltip(data.tooltip[i]).addTo(group);
    }
  }

  /* A click on a base's outline at the middle of an incident is the incident's: the outline
     is drawn over the incidents only to stay in sight, and at some zooms it crosses the
     middle of an incident near the base, where a reader aims to open the incident. The
     click goes on to the incident, before Leaflet sees it on the base; elsewhere on its
     outline (around a large incident at the same site too) the base takes it. */
  var INCIDENT_MIDDLE_PX = 4;

  function yieldToIncidents(element) {
    element.addEventListener('click', function (event) {
      var x = event.clientX, y = event.clientY;
      var under = global.document.elementsFromPoint(x, y).filter(function (e) {
        if (!e.matches('path.atlas-incident')) { return false; }
        var b = e.getBoundingClientRect();
        return Math.hypot(b.left + b.width / 2 - x, b.top + b.height / 2 - y)
          <= INCIDENT_MIDDLE_PX;
      })[0];
      if (!under) { return; }
      event.stopPropagation();
      under.dispatchEvent(new MouseEvent('click', event));
    }, true);
  }

  /* A pin per note (opts.pin, our own SVG), above the incidents and bases. */
  function noteMarkers(group, opts, data) {
    for (var i = 0, n = size(data); i < n; i++) {
      var icon = L.divIcon({html: opts.pin, className: opts.className, iconSize: [22, 30],
        iconAnchor: [11, 29], popupAnchor: [0, -26], tooltipAnchor: [10, -17]});
      L.marker([data.lat[i], data.lon[i]], {icon: icon, zIndexOffset: 1000, riseOnHover: true})
        .bindPopup(data.popup[i], {maxWidth: 380, minWidth: 240})
        .bindTooltip(data.tooltip[i]).addTo(group);
    }
  }

  /* Names of areas (regions, neighbouring countries) under every symbol: data.html is
     escaped text in a span of our own style, which centres it on its point. */
  function placeNames(group, opts, data) {
    for (var i = 0, n = size(data); i < n; i++) {
      var icon = L.divIcon({html: data.html[i], className: opts.className, iconSize: null,
        iconAnchor: [0, 0]});
      L.marker([data.lat[i], data.lon[i]], {icon: icon, interactive: false, keyboard: false,
        pane: 'atlasNames'}).addTo(group);
    }
  }

  /* Town dots and names, placed where they hide the fewest symbols. */

  // What a town's name must keep clear of, and the area names that yield to it.
  var SYMBOLS = 'path.atlas-incident, .atlas-deployment svg g:last-child, .marker-cluster, '
    + '.atlas-note, path.atlas-hex';
  var NAMES = '.atlas-region-name span, .atlas-country-name span';
  // A map shorter than this opens with its legend folded (it would hide most of the map).
  var SHORT_MAP_PX = 420;
  function overlap(a, b) {
    var w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
    var h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    return w > 0 && h > 0 ? w * h : 0;
  }

  function holds(box, x, y) {
    return x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
  }

  /* Of the candidate boxes, in order of preference, that overlap no box placed, the one
     covering the fewest symbols: each symbol's centre inside costs centreCost, and any
     overlap its share of the box; on a tie, the earlier. Null when every one overlaps. */
  function leastCovered(boxes, placed, symbols, centreCost) {
    var best = null, bestCost = Infinity;
    boxes.forEach(function (c, i) {
      if (placed.some(function (b) { return overlap(b, c) > 0; })) { return; }
      var cost = i * 0.01;
      symbols.forEach(function (s) {
        if (holds(c, s.x + s.w / 2, s.y + s.h / 2)) { cost += centreCost; }
        cost += overlap(c, s) / (c.w * c.h);
      });
      if (cost < bestCost) { best = c; bestCost = cost; }
    });
    return best;
  }

  function candidates(p, w, h, g) {
    // Right first (the reading side), then left, above, below and the corners.
    return [[g, -h / 2], [-g - w, -h / 2], [-w / 2, -g - h], [-w / 2, g],
      [g, -g - h + 2], [g, g - 2], [-g - w, -g - h + 2], [-g - w, g - 2]]
      .map(function (d) {
        return {x: p.x + d[0], y: p.y + d[1], w: w, h: h, dx: d[0], dy: d[1]};
      });
  }

  function boxIn(origin, element) {
    var b = element.getBoundingClientRect();
    return {x: b.left - origin.left, y: b.top - origin.top, w: b.width, h: b.height};
  }

  /* Town dots (data.lat, data.lon, data.rank, data.popup) and names (data.label).
     Names sit in the atlasLabels pane, above every symbol. Each time the map settles (zoom,
     pan, overlays swapped) every name is placed beside its dot, on the side whose box covers
     the fewest incident, deployment and note symbols; towns are placed by rank, and a name
     whose every side overlaps a name placed before it is hidden, and so is a region or
     country name that overlaps a town's. Towns of rank 3 are named only from
     opts.labelZoom on. A dot's tooltip names its town at any zoom (and tells the app that a
     click on it was not a click on an incident). */
  function townMarkers(group, opts, data) {
    var labels = [];
    for (var i = 0, n = size(data); i < n; i++) {
      var rank = data.rank[i], radius = rank === 1 ? 4.5 : 3;
      L.circleMarker([data.lat[i], data.lon[i]], {radius: radius, color: '#ffffff', weight: 1,
        fillColor: '#222222', fillOpacity: 1, className: 'atlas-town-dot'})
        .bindPopup(data.popup[i]).bindTooltip(data.label[i]).addTo(group);
      var icon = L.divIcon({html: data.label[i], className: opts.className + ' rank-' + rank,
        iconSize: null, iconAnchor: [0, 0]});
      var marker = L.marker([data.lat[i], data.lon[i]], {icon: icon, interactive: false,
        keyboard: false, pane: 'atlasLabels'}).addTo(group);
      labels.push({marker: marker, rank: rank, order: i, gap: radius + opts.gap});
    }
    // Higher rank first; among equals, the order of the data.
    labels.sort(function (a, b) { return a.rank - b.rank || a.order - b.order; });

    function layout() {
      var map = group._map;
      if (!map) { return; }
      // Mid-zoom the symbols are scaled by a transform, so their boxes are not where they
      // settle.
      if (map._animatingZoom) { later(); return; }
      var container = map.getContainer(), origin = container.getBoundingClientRect();
      var found = [].slice.call(container.querySelectorAll(SYMBOLS));
      var boxes = found.map(function (e) { return boxIn(origin, e); });
      var kept = boxes.map(function (b) { return b.w > 0 && b.h > 0; });
      var symbols = boxes.filter(function (b, i) { return kept[i]; });
      var hexes = found.filter(function (e, i) { return kept[i]; })
        .map(function (e) { return e.classList.contains('atlas-hex'); });
      // The map's controls (zoom, scale, credits, legend) are taken first: no name goes
      // under them.
      var placed = [].slice.call(container.querySelectorAll('.leaflet-control'))
        .map(function (e) { return boxIn(origin, e); })
        .filter(function (b) { return b.w > 0 && b.h > 0; });
      var shown = map.getZoom() >= opts.labelZoom;
      labels.forEach(function (l) {
        var el = l.marker.getElement();
        if (!el) { return; }
        if (l.rank === 3 && !shown) { el.style.display = 'none'; return; }
        el.style.display = '';
        var p = map.latLngToContainerPoint(l.marker.getLatLng());
        // Clear of the dot, and of any symbol drawn around the town itself.
        var gap = l.gap;
        symbols.forEach(function (s) {
          if (Math.abs(s.x + s.w / 2 - p.x) < 3 && Math.abs(s.y + s.h / 2 - p.y) < 3) {
            gap = Math.max(gap, s.w / 2 + opts.gap);
          }
        });
        var best = leastCovered(candidates(p, el.offsetWidth, el.offsetHeight, gap), placed,
          symbols, 1000);
        if (!best) { el.style.display = 'none'; return; }
        el.style.marginLeft = best.dx + 'px';
        el.style.marginTop = best.dy + 'px';
        placed.push(best);
      });
      // Region and country names yield to every town name and to names kept before them,
      // and move off the incidents and bases drawn over them: of a few places near their
      // own, each takes the first that covers the fewest symbols' centres and boxes.
      var points = symbols.filter(function (b, i) { return !hexes[i]; });
      [].slice.call(container.querySelectorAll(NAMES)).forEach(function (e) {
        e.style.visibility = '';
        e.style.marginLeft = '0px';
        e.style.marginTop = '0px';
        var box = boxIn(origin, e);
        var best = leastCovered((opts.nameShifts || [[0, 0]]).map(function (d) {
          return {x: box.x + d[0], y: box.y + d[1], w: box.w, h: box.h, dx: d[0], dy: d[1]};
        }), placed, points, 1);
        if (!best) { e.style.visibility = 'hidden'; return; }
        e.style.marginLeft = best.dx + 'px';
        e.style.marginTop = best.dy + 'px';
        placed.push(best);
      });
      container.dataset.atlasLabels = 'placed';
    }

    var pending = null;
    function later() {
      // Wait for the map to settle (cluster animations, a batch of overlays added). Until
      // the names are placed again the map says so (a test or a screenshot waits for
      // 'placed').
      if (group._map) { group._map.getContainer().dataset.atlasLabels = 'pending'; }
      clearTimeout(pending);
      pending = setTimeout(layout, 120);
    }

    var wired = null;
    function wire() {
      // The group may join the map after this script runs, so wait for its 'add' event.
      var map = group._map;
      if (!map || wired === map) { return; }
      wired = map;
      map.on('zoomstart zoomend moveend layeradd layerremove resize', later);
      later();
    }
    group.on('add', wire);
    wire();
  }

  /* Features of a GeoJSON object (data), styled and labelled here. opts: style (Leaflet
     path options for every feature); styleBy ({key: property, values: {value: path
     options}}, added to the style of the features with that value); fillFrom (a property
     holding each feature's fill colour); tooltip (a property holding escaped text) with
     sticky; highlight (path options on hover); interactive; pane. */
  function geoJson(parent, opts, data) {
    var layer = L.geoJSON(data, {
      interactive: opts.interactive !== false,
      pane: opts.pane || 'overlayPane',
      style: function (f) {
        var s = Object.assign({}, opts.style);
        if (opts.styleBy) { Object.assign(s, opts.styleBy.values[f.properties[opts.styleBy.key]]); }
        if (opts.fillFrom) { s.fillColor = f.properties[opts.fillFrom]; }
        return s;
      },
      onEachFeature: function (f, l) {
        if (opts.tooltip) { l.bindTooltip(f.properties[opts.tooltip], {sticky: !!opts.sticky}); }
        if (opts.highlight) {
          l.on('mouseover', function () { l.setStyle(opts.highlight); });
          l.on('mouseout', function () { layer.resetStyle(l); });
        }
      }
    });
    layer.addTo(parent);
  }

  /* The legend (opts.html, built from escaped text only), on the map for as long as its
     group is: when the app swaps the overlays for another range, the old legend leaves
     with them. */
  /* The legend (escaped HTML) under a button that folds it away, so what lies under it can
     be seen and clicked; folded or not, it stays so for the next overlays of the page. */
  function legend(parent, opts) {
    var control = L.control({position: 'bottomright'});
    control.onAdd = function (map) {
      var d = L.DomUtil.create('div', 'atlas-legend');
      var button = L.DomUtil.create('button', 'atlas-legend-toggle', d);
      button.type = 'button';
      button.textContent = 'Legend';
      var body = L.DomUtil.create('div', 'atlas-legend-body', d);
      body.innerHTML = opts.html;
      function fold(folded) {
        d.classList.toggle('atlas-legend-folded', folded);
        button.setAttribute('aria-expanded', String(!folded));
        button.title = folded ? 'Show the legend' : 'Fold the legend away';
      }
      // Never taller than the map leaves it (the rest scrolls); on a map too short for it
      // to leave room, it opens folded, until the reader unfolds it.
      function fit() {
        var room = map.getSize().y - 110;
        body.style.maxHeight = Math.max(room, 60) + 'px';
      }
      var short = map.getSize().y < SHORT_MAP_PX;
      var chosen = global.__atlasLegendFolded;
      fold(chosen === undefined ? Boolean(short) : chosen);
      fit();
      map.on('resize', fit);
      control.onRemove = function () { map.off('resize', fit); };
      L.DomEvent.on(button, 'click', function () {
        global.__atlasLegendFolded = !d.classList.contains('atlas-legend-folded');
        fold(global.__atlasLegendFolded);
      });
      L.DomEvent.disableClickPropagation(d);
      L.DomEvent.disableScrollPropagation(d);
      return d;
    };
    function show() { if (parent._map && !control._map) { control.addTo(parent._map); } }
    parent.on('add', show);
    parent.on('remove', function () { control.remove(); });
    show();
  }

  /* Credits (escaped) the map shows while the parent layer is on it. */
  function layerCredits(parent, opts) {
    parent.options.attribution = opts.text;
  }

  /* The map's own credits in place of Leaflet's prefix, and our panes by z-index. */
  function mapSetup(parent, opts) {
    parent.attributionControl.setPrefix(false);
    parent.attributionControl.addAttribution(opts.text);
    Object.keys(opts.panes).forEach(function (name) {
      if (!parent.getPane(name)) { parent.createPane(name).style.zIndex = opts.panes[name]; }
    });
    // Kilometres only, as the slides measure: a second line in miles crowded the corner.
    L.control.scale({imperial: false, maxWidth: 140}).addTo(parent);
    oneLineCredits(parent);
  }

  /* The credits on one line, cut short with an ellipsis (the page's style) and never wider
     than the room the bottom-left controls (the scale bar, a note) leave them: an imported
     dataset's long licence would otherwise wrap and spread over the scale bar. Hovering shows
     the whole text; a click unfolds it upwards, within the same width, and folds it back. */
  function oneLineCredits(map) {
    var credits = map.attributionControl.getContainer();
    var container = map.getContainer();
    var left = container.querySelector('.leaflet-bottom.leaflet-left');
    function fit() {
      var taken = left ? left.offsetWidth : 0;
      credits.style.maxWidth = Math.max(container.clientWidth - taken - 8, 0) + 'px';
    }
    function title() { credits.title = credits.textContent; }
    L.DomEvent.on(credits, 'click', function () {
      L.DomUtil[L.DomUtil.hasClass(credits, 'atlas-credits-open') ? 'removeClass' : 'addClass'](
        credits, 'atlas-credits-open');
    });
    // The scale bar's width follows the zoom and a note may join it: watch their corner.
    if (global.ResizeObserver) {
      var watch = new global.ResizeObserver(fit);
      watch.observe(container);
      if (left) { watch.observe(left); }
    } else {
      map.on('resize moveend', fit);
    }
    new global.MutationObserver(title).observe(credits,
      {childList: true, subtree: true, characterData: true});
    fit();
    title();
  }

  /* Opens the map on opts.bounds ([[south, west], [north, east]]), fitted with opts.padding
     pixels to spare at the map's fractional zoom steps. While the map still shows what was
     fitted (the reader has not moved it, nothing was focused), a new size of the map (the
     frame filling the screen, a sidebar folded) fits the bounds again. */
  function fitOpening(parent, opts) {
    var fitted = null;
    function fit() {
      parent.fitBounds(opts.bounds, {padding: [opts.padding, opts.padding], animate: false});
      fitted = {centre: parent.getCenter(), zoom: parent.getZoom()};
    }
    function untouched() {
      if (!fitted || parent.getZoom() !== fitted.zoom) { return false; }
      var middle = parent.getSize().divideBy(2);
      return parent.latLngToContainerPoint(fitted.centre).distanceTo(middle) < 2;
    }
    parent.on('resize', function () { if (untouched()) { fit(); } });
    fit();
  }

  /* An online basemap that cannot load gives way to the offline one, and the map says why
     (opts.message) instead of staying blank. */
  function tileFallback(parent, opts) {
    var current = null;
    function offline() {
      var control = global.layer_control, found = null;
      if (control && control._layers) {
        control._layers.forEach(function (entry) {
          var tiles = entry.layer instanceof L.TileLayer;
          if (!entry.overlay && !tiles && !found) { found = entry.layer; }
        });
      }
      return found;
    }
    function say(text) {
      var note = L.control({position: 'bottomleft'});
      note.onAdd = function () {
        var box = L.DomUtil.create('div', 'atlas-tile-note');
        box.textContent = text;
        box.style.cssText = 'background:#fff8e1;border:1px solid #e0b000;border-radius:4px;'
          + 'padding:4px 8px;font:13px sans-serif;max-width:320px;';
        return box;
      };
      note.addTo(parent);
      setTimeout(function () { parent.removeControl(note); }, 10000);
    }
    parent.on('baselayerchange', function (e) {
      var previous = current || offline();
      current = e.layer;
      if (!(e.layer instanceof L.TileLayer)) { return; }
      e.layer.once('tileerror', function () {
        if (current !== e.layer) { return; }
        parent.removeLayer(e.layer);
        if (previous) { parent.addLayer(previous); current = previous; }
        say(opts.message);
      });
    });
  }

  /* Centres the map on opts.centre when the group joins the map, once per opts.token, at
     least at opts.zoom (a reader zoomed in further stays there). */
  function focusOn(parent, opts) {
    function focus() {
      var map = parent._map;
      if (!map || global.atlasFocusToken === opts.token) { return; }
      global.atlasFocusToken = opts.token;
      map.setView(opts.centre, Math.max(map.getZoom(), opts.zoom));
    }
    parent.on('add', focus);
    focus();
  }

  /* Lets the browser free the overlay groups the app's map component took off the map. */
  function forgetSwappedGroups() {
    if (global.feature_group) { global.feature_group.length = 0; }
  }

  global.atlasLayers = {
    clusteredIncidents: clusteredIncidents,
    deploymentMarkers: deploymentMarkers,
    fitOpening: fitOpening,
    focusOn: focusOn,
    forgetSwappedGroups: forgetSwappedGroups,
    geoJson: geoJson,
    heatPoints: heatPoints,
    hexCells: hexCells,
    incidentMarkers: incidentMarkers,
    layerCredits: layerCredits,
    legend: legend,
    mapSetup: mapSetup,
    noteMarkers: noteMarkers,
    placeNames: placeNames,
    tileFallback: tileFallback,
    townMarkers: townMarkers
  };
})(window);
