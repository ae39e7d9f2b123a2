"""A Vega-Lite chart widget that appends the new days instead of redrawing the chart.

The classroom app's charts grow by a day (or a render interval) per update. Solara's own
``VegaLite`` widget takes the whole spec, data included, and embeds a new chart on every change:
a year of days is sent and drawn again each step. :class:`StreamChart` embeds its spec once (per
model and theme: an *epoch*) with an empty named data set ``rows``, and afterwards sends only the
rows of the days the browser has not drawn yet, which the page inserts with a Vega changeset.

The protocol is self-correcting: each batch says from which day its rows start; the page keeps
the number of days it has drawn and, if a batch starts later (a message missed, a page opened
mid-run), asks for the rows from its own count (``need``). The page also writes what it did into
the chart element's ``data-embeds`` (charts embedded) and ``data-days`` (days drawn) attributes,
which the browser tests read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import ipyvuetify as v
import traitlets

#: ``source(start)`` -> ``(rows of the days from start, days covered, title)``.
Source = Callable[[int], tuple[list[dict[str, Any]], int, str]]

TEMPLATE = r"""
<template>
  <div :class="'classroom-chart chart-' + name" :data-embeds="embeds" :data-days="days">
    <div ref="plotElement"></div>
  </div>
</template>
<script>
module.exports = {
  data() { return { embeds: 0, days: 0 }; },
  created() {
    this.view = null;
    this.viewEpoch = -1;
    this.vegaLoaded = this.loadVega();
  },
  mounted() { this.embed(); },
  destroyed() {
    if (this.observer) { this.observer.disconnect(); }
    if (this.view) { this.view.finalize(); }
  },
  unmounted() { this.$options.destroyed.call(this); },
  watch: {
    spec() { this.embed(); },
    batch(value) { this.apply(value); },
  },
  methods: {
    async embed() {
      await this.vegaLoaded;
      const epoch = this.epoch;
      const vegaEmbed = await new Promise((resolve) => require(['vega-embed'], resolve));
      const spec = JSON.parse(JSON.stringify(this.spec));
      const options = (spec.usermeta && spec.usermeta.embedOptions) || {};
      // Each embed draws into a new element, swapped in only if no later spec came meanwhile.
      const target = document.createElement('div');
      if (spec.width === 'container') { target.classList.add('width-container'); }
      const host = this.$refs.plotElement;
      // Drawn hidden at the host's width while the old chart stays in place.
      Object.assign(target.style, { position: 'absolute', visibility: 'hidden', width: `${host.clientWidth}px` });
      host.appendChild(target);
      const result = await vegaEmbed(target, spec, options);
      if (epoch !== this.epoch) { result.view.finalize(); target.remove(); return; }
      for (const old of [...host.children]) { if (old !== target) { old.remove(); } }
      Object.assign(target.style, { position: '', visibility: '', width: '' });
      if (this.view) { this.view.finalize(); }
      this.view = result.view;
      this.viewEpoch = epoch;
      this.days = 0;
      this.embeds += 1;
      if (!this.observer && spec.width === 'container') {
        this.observer = new ResizeObserver(() => { if (this.view) { this.view.resize().run(); } });
        this.observer.observe(host);
      }
      this.apply(this.batch);
    },
    apply(batch) {
      if (!this.view || !batch || batch.epoch !== this.viewEpoch) { return; }
      if (batch.start > this.days) { this.need({ epoch: this.viewEpoch, have: this.days }); return; }
      const have = this.days;
      const fresh = batch.rows.filter((r) => r.day >= have);
      this.view.change('rows', this.vegaModule.changeset().insert(fresh));
      if (batch.title !== undefined) { this.view.signal('chartTitle', batch.title); }
      this.view.run();
      this.days = Math.max(have, batch.end);
    },
    async loadVega() {
      await this.loadRequire();
      requirejs.undef('vega');
      requirejs.undef('vega-lite');
      requirejs.undef('vega-embed');
      require.config({
        map: {
          '*': {
            'vega': `${this.getCdn()}/vega@5/build/vega.min.js`,
            'vega-lite': `${this.getCdn()}/vega-lite@5/build/vega-lite.min.js`,
            'vega-embed': `${this.getCdn()}/vega-embed@6/build/vega-embed.min.js`,
          },
        },
      });
      this.vegaModule = await new Promise((resolve, reject) => {
        require(['vega', 'vega-lite', 'vega-embed'], (vega) => resolve(vega), reject);
      });
    },
    loadRequire() {
      if (window.requirejs) { return Promise.resolve(); }
      return new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    },
    getJupyterBaseUrl() {
      if (document.getElementsByTagName('base').length) { return './'; }
      const labConfigData = document.getElementById('jupyter-config-data');
      if (labConfigData) { return JSON.parse(labConfigData.textContent).baseUrl; }
      let base = document.body.dataset.baseUrl || document.baseURI;
      if (!base.endsWith('/')) { base += '/'; }
      return base;
    },
    getCdn() {
      return this.cdn || (window.solara ? window.solara.cdn : `${this.getJupyterBaseUrl()}_solara/cdn`);
    },
  },
};
</script>
<style id="classroom-chart-width">
.width-container.vega-embed { width: 100%; }
</style>
"""


class StreamChart(v.VuetifyTemplate):
    """A Vega-Lite chart whose named data set ``rows`` grows by the days not yet sent.

    Args:
        name: The chart's name (the element gets the class ``chart-<name>``).

    Use :meth:`show` to (re)start it on a spec and a source of rows and :meth:`push` to send the
    days added since. Every row carries ``day`` (the model's day, an integer from 0).
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)
    batch = traitlets.Dict().tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self._lock = threading.Lock()
        self._source: Source | None = None
        self._key: Any = None
        #: Days sent in this epoch (rows of days 0 to ``sent - 1``).
        self.sent = 0
        #: Rows sent in this epoch, over all batches (what the tests count).
        self.rows_sent = 0

    @traitlets.default("cdn")
    def _cdn(self) -> str | None:
        import solara.settings

        if not solara.settings.assets.proxy:
            return solara.settings.assets.cdn
        return None

    def show(self, key: Any, spec: Callable[[], dict[str, Any]], source: Source) -> None:
        """Draw the spec afresh if ``key`` changed (a new model or theme); then send new days.

        Args:
            key: What the chart's epoch depends on; an equal key keeps the chart drawn.
            spec: Makes the Vega-Lite spec, its data the empty named set ``rows`` (called only
                when ``key`` changed).
            source: Gives the rows from a day on (see :data:`Source`).
        """
        with self._lock:
            self._source = source
            if key != self._key:
                self._key = key
                self.sent = 0
                self.rows_sent = 0
                self.epoch += 1
                spec = spec()
                self.spec = {**spec, "usermeta": {**spec.get("usermeta", {}), "epoch": self.epoch}}
        self.push()

    def push(self, start: int | None = None) -> None:
        """Send the rows of the days from ``start`` (default: the days not sent yet)."""
        with self._lock:
            if self._source is None:
                return
            begin = self.sent if start is None else max(0, int(start))
            rows, end, title = self._source(begin)
            if start is None and end <= self.sent:
                return
            self.sent = max(self.sent, end)
            self.rows_sent += len(rows)
            self.batch = {
                "epoch": self.epoch,
                "start": begin,
                "end": end,
                "rows": rows,
                "title": title,
            }

    def vue_need(self, data: dict[str, Any]) -> None:
        """The page asks for the rows from the day it has drawn up to (``have``)."""
        if int(data.get("epoch", -1)) == self.epoch:
            self.push(int(data.get("have", 0)))
