// The console's charts (Apache ECharts, served from the package). A page puts its figures and
// translated labels in <script type="application/json" data-charts="KIND">, which is data, not
// script; the renderer for KIND draws them.
(function () {
  "use strict";
  var green = "#0b6e4f", ink = "#1f2933";

  // An empty chart says so in words: zeros drawn as shapes read as full bars or a 100% funnel.
  function nothing(values, element, text) {
    if (values.some(function (v) { return v > 0; })) { return false; }
    element.classList.add("chart-empty");
    element.textContent = text;
    return true;
  }

  var renderers = {
    "journey": function (data) {
      var labels = data.labels, steps = data.chart.funnel;
      var drawn = [];
      var element = document.getElementById("funnel-chart");
      if (nothing(steps.map(function (s) { return s.entered; }), element, labels.empty)) {
        nothing([], document.getElementById("channel-chart"), labels.empty);
        return drawn;
      }
      var funnel = echarts.init(element);
      var valueLabel = {show: true, position: "right", color: ink, fontSize: 12};
      funnel.setOption({
        tooltip: {trigger: "axis"},
        legend: {data: [labels.reached, labels.completed]},
        grid: {left: 8, right: 48, top: 32, bottom: 16, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", inverse: true, axisLabel: {width: 130, overflow: "truncate"},
                data: steps.map(function (s) { return s.title; })},
        series: [
          {name: labels.reached, type: "bar", label: valueLabel, itemStyle: {color: "#7fc3ad"},
           data: steps.map(function (s) { return s.entered; })},
          {name: labels.completed, type: "bar", label: valueLabel, itemStyle: {color: green},
           data: steps.map(function (s) { return s.completed; })}
        ]
      });
      drawn.push(funnel);
      var channels = echarts.init(document.getElementById("channel-chart"));
      channels.setOption({
        tooltip: {trigger: "item"},
        series: [{type: "pie", radius: ["40%", "70%"], data: data.chart.by_channel.map(function (c) {
          return {name: labels.channels[c.label] || c.label, value: c.started};
        })}]
      });
      drawn.push(channels);
      return drawn;
    },

    "risk": function (data) {
      var chart = data.chart, labels = data.labels;
      var element = document.getElementById("risk-chart");
      var total = [];
      chart.minutes.forEach(function (_m, i) {
        total.push(["approve", "step_up", "review", "block"].reduce(function (sum, o) {
          return sum + chart.series[o][i]; }, 0));
      });
      if (nothing(total, element, labels.empty)) { return []; }
      var colours = {approve: green, step_up: "#c9a227", review: "#d97706", block: "#b91c1c"};
      var live = echarts.init(element);
      live.setOption({
        tooltip: {trigger: "axis"}, legend: {}, grid: {left: 40, right: 16, top: 32, bottom: 24},
        xAxis: {type: "category", data: chart.minutes}, yAxis: {type: "value", minInterval: 1},
        series: ["approve", "step_up", "review", "block"].map(function (o) {
          return {name: labels[o], type: "bar", stack: "all", data: chart.series[o],
                  itemStyle: {color: colours[o]}};
        })
      });
      return [live];
    },

    "campaign": function (data) {
      var chart = data.chart, labels = data.labels, drawn = [];
      var rateElement = document.getElementById("campaign-rate-chart");
      if (!nothing(chart.rates, rateElement, labels.empty)) {
        var rates = echarts.init(rateElement);
        rates.setOption({
          tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
          grid: {left: 48, right: 16, top: 32, bottom: 24},
          xAxis: {type: "category", data: [labels.treatment, labels.control]},
          yAxis: {type: "value", name: labels.rate, axisLabel: {formatter: "{value}%"}},
          series: [{type: "bar", barMaxWidth: 64, label: {show: true, position: "top", formatter: "{c}%"},
                    data: [{value: chart.rates[0], itemStyle: {color: green}},
                           {value: chart.rates[1], itemStyle: {color: "#9aa5b1"}}]}]
        });
        drawn.push(rates);
      }
      var daysElement = document.getElementById("campaign-days-chart");
      if (!nothing(chart.daily, daysElement, labels.empty)) {
        var days = echarts.init(daysElement);
        days.setOption({
          tooltip: {trigger: "axis"}, grid: {left: 40, right: 16, top: 32, bottom: 24},
          legend: {data: [labels.converted]},
          xAxis: {type: "category", data: chart.days}, yAxis: {type: "value", minInterval: 1},
          series: [{name: labels.converted, type: "bar", data: chart.daily, itemStyle: {color: green}}]
        });
        drawn.push(days);
      }
      return drawn;
    },

    "risk-models": function (data) {
      var chart = data.chart, labels = data.labels, drawn = [];
      var importance = document.getElementById("importance-chart");
      if (importance && !nothing(chart.importance.values, importance, "—")) {
        var bars = echarts.init(importance);
        bars.setOption({
          tooltip: {trigger: "axis"}, grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
          xAxis: {type: "value"},
          yAxis: {type: "category", inverse: true, axisLabel: {interval: 0},
                  data: chart.importance.names},
          series: [{name: labels.importance, type: "bar", data: chart.importance.values,
                    itemStyle: {color: green}}]
        });
        drawn.push(bars);
      }
      var psi = document.getElementById("psi-chart");
      if (psi && chart.psi.length) {
        var shifts = echarts.init(psi);
        shifts.setOption({
          tooltip: {trigger: "axis"}, grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
          xAxis: {type: "value"},
          yAxis: {type: "category", inverse: true, axisLabel: {interval: 0},
                  data: chart.psi.map(function (r) { return r.feature; })},
          series: [{name: labels.psi, type: "bar",
                    data: chart.psi.map(function (r) {
                      return {value: r.psi, itemStyle: {color: r.psi > data.threshold ? "#b91c1c" : green}};
                    }),
                    markLine: {symbol: "none", label: {formatter: labels.threshold},
                               lineStyle: {color: "#b91c1c", type: "dashed"},
                               data: [{xAxis: data.threshold}]}}]
        });
        drawn.push(shifts);
      }
      return drawn;
    },

    "leaderboard": function (data) {
      var chart = data.chart, names = data.labels, gold = "#c9a227";
      var rm = echarts.init(document.getElementById("rm-chart"));
      rm.setOption({
        tooltip: {trigger: "axis"}, legend: {}, grid: {left: 70, right: 20, top: 30, bottom: 60},
        xAxis: {type: "category", data: chart.rms, axisLabel: {rotate: 30}},
        yAxis: {type: "value"},
        series: [{name: names.realised, type: "bar", data: chart.rm_realised, itemStyle: {color: green}},
                 {name: names.pending, type: "bar", data: chart.rm_pending, itemStyle: {color: gold}}]
      });
      var channelElement = document.getElementById("channel-chart");
      if (!channelElement) { return [rm]; }
      var channel = echarts.init(channelElement);
      channel.setOption({
        tooltip: {trigger: "axis"}, legend: {}, grid: {left: 70, right: 20, top: 30, bottom: 30},
        xAxis: {type: "category", data: chart.channels}, yAxis: {type: "value"},
        series: [{name: names.realised, type: "bar", data: chart.channel_realised, itemStyle: {color: green}},
                 {name: names.pending, type: "bar", data: chart.channel_pending, itemStyle: {color: gold}}]
      });
      return [rm, channel];
    },

    "events": function (data) {
      var chart = data.chart, labels = data.labels, drawn = [];
      var palette = [green, "#7fc3ad", "#c9a227", "#d97706", "#2563eb", "#9333ea", "#b91c1c",
                     "#0891b2", "#65a30d", "#9aa5b1", "#be185d", "#1f2933"];
      var dailyElement = document.getElementById("events-daily-chart");
      var totals = chart.days.map(function (_d, i) {
        return chart.series.reduce(function (sum, s) { return sum + s.data[i]; }, 0); });
      if (!nothing(totals, dailyElement, labels.empty)) {
        var daily = echarts.init(dailyElement);
        daily.setOption({
          color: palette, tooltip: {trigger: "axis"}, legend: {type: "scroll", top: 0},
          grid: {left: 48, right: 16, top: 40, bottom: 28},
          xAxis: {type: "category", data: chart.days}, yAxis: {type: "value", minInterval: 1},
          series: chart.series.map(function (s) {
            return {name: s.name, type: "bar", stack: "events", data: s.data};
          })
        });
        drawn.push(daily);
      }
      var pagesElement = document.getElementById("events-pages-chart");
      if (!nothing(chart.pages.views, pagesElement, labels.empty)) {
        var pages = echarts.init(pagesElement);
        pages.setOption({
          tooltip: {trigger: "axis"}, grid: {left: 8, right: 40, top: 8, bottom: 8, containLabel: true},
          xAxis: {type: "value", minInterval: 1},
          yAxis: {type: "category", inverse: true, axisLabel: {width: 160, overflow: "truncate"},
                  data: chart.pages.paths},
          series: [{name: labels.views, type: "bar", data: chart.pages.views, itemStyle: {color: green},
                    label: {show: true, position: "right", color: ink}}]
        });
        drawn.push(pages);
      }
      var funnelElement = document.getElementById("events-funnel-chart");
      var steps = chart.funnel || {steps: [], counts: []};
      if (!nothing(steps.counts, funnelElement, labels.empty)) {
        var top = Math.max.apply(null, steps.counts.concat([1]));
        var funnel = echarts.init(funnelElement);
        funnel.setOption({
          tooltip: {trigger: "item", formatter: "{b}: {c}"}, color: ["#7fc3ad", green],
          series: [{type: "funnel", sort: "none", min: 0, max: top, minSize: "14%", left: "4%",
                    width: "60%", top: 8, bottom: 8, gap: 3,
                    label: {position: "right", color: ink, formatter: function (p) {
                      var share = p.dataIndex === 0 ? "" : " (" + Math.round(100 * p.value / top) + "%)";
                      return p.name + "  " + p.value + share;
                    }},
                    data: steps.steps.map(function (name, i) { return {name: name, value: steps.counts[i]}; })}]
        });
        drawn.push(funnel);
      }
      return drawn;
    },

    "qr-code": function (data) {
      var chart = data.chart, drawn = [];
      var element = document.getElementById("funnel-chart");
      var top = Math.max.apply(null, chart.counts.concat([0]));
      if (!nothing(chart.counts, element, data.labels.empty)) {
        var funnel = echarts.init(element);
        funnel.setOption({
          tooltip: {trigger: "item", formatter: "{b}: {c}"},
          // the later a step, the darker: what completed is what matters
          color: ["#9fd0b8", "#5fb08f", "#2f8f6f", green],
          series: [{
            type: "funnel", sort: "none", min: 0, max: top, minSize: "14%", maxSize: "100%",
            left: "4%", width: "56%", top: 8, bottom: 8, gap: 3,
            label: {position: "right", color: ink, fontSize: 13, formatter: function (p) {
              var share = p.dataIndex === 0 ? "" : " (" + Math.round(100 * p.value / top) + "%)";
              return p.name + "  " + p.value + share;
            }},
            labelLine: {show: true, length: 14, lineStyle: {color: "#9aa5b1"}},
            data: chart.steps.map(function (name, i) { return {name: name, value: chart.counts[i]}; })
          }]
        });
        drawn.push(funnel);
      }
      var daily = echarts.init(document.getElementById("daily-chart"));
      daily.setOption({
        grid: {left: 40, right: 10, top: 10, bottom: 30}, tooltip: {trigger: "axis"},
        xAxis: {type: "category", data: chart.days}, yAxis: {type: "value", minInterval: 1},
        series: [{type: "bar", data: chart.daily, itemStyle: {color: green}}]
      });
      drawn.push(daily);
      return drawn;
    }
  };

  function draw() {
    if (!window.echarts) { return; }
    var drawn = [];
    document.querySelectorAll("script[type='application/json'][data-charts]").forEach(function (block) {
      var render = renderers[block.getAttribute("data-charts")];
      if (render) { drawn = drawn.concat(render(JSON.parse(block.textContent))); }
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
