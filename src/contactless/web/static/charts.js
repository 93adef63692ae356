// The console's charts (Apache ECharts, served from the package). A page puts its figures and
// translated labels in <script type="application/json" data-charts="KIND">, which is data, not
// script; the renderer for KIND draws them.
(function () {
  "use strict";
  var green = "#0b6e4f";

  var renderers = {
    "journey": function (data) {
      var labels = data.labels;
      var funnel = echarts.init(document.getElementById("funnel-chart"));
      funnel.setOption({
        tooltip: {trigger: "axis"},
        legend: {data: [labels.reached, labels.completed]},
        grid: {left: 140, right: 24, top: 32, bottom: 24},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", inverse: true, data: data.chart.funnel.map(function (s) { return s.title; })},
        series: [
          {name: labels.reached, type: "bar", data: data.chart.funnel.map(function (s) { return s.entered; }), itemStyle: {color: "#7fc3ad"}},
          {name: labels.completed, type: "bar", data: data.chart.funnel.map(function (s) { return s.completed; }), itemStyle: {color: green}}
        ]
      });
      var channels = echarts.init(document.getElementById("channel-chart"));
      channels.setOption({
        tooltip: {trigger: "item"},
        series: [{type: "pie", radius: ["40%", "70%"], data: data.chart.by_channel.map(function (c) {
          return {name: labels.channels[c.label] || c.label, value: c.started};
        })}]
      });
      return [funnel, channels];
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
      var channel = echarts.init(document.getElementById("channel-chart"));
      channel.setOption({
        tooltip: {trigger: "axis"}, legend: {}, grid: {left: 70, right: 20, top: 30, bottom: 30},
        xAxis: {type: "category", data: chart.channels}, yAxis: {type: "value"},
        series: [{name: names.realised, type: "bar", data: chart.channel_realised, itemStyle: {color: green}},
                 {name: names.pending, type: "bar", data: chart.channel_pending, itemStyle: {color: gold}}]
      });
      return [rm, channel];
    },

    "qr-code": function (data) {
      var chart = data.chart;
      var funnel = echarts.init(document.getElementById("funnel-chart"));
      funnel.setOption({
        tooltip: {trigger: "item"}, color: [green, "#2f8f6f", "#5fb08f", "#9fd0b8"],
        series: [{type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "8%",
                  label: {formatter: "{b}: {c}"},
                  data: chart.steps.map(function (name, i) { return {name: name, value: chart.counts[i]}; })}]
      });
      var daily = echarts.init(document.getElementById("daily-chart"));
      daily.setOption({
        grid: {left: 40, right: 10, top: 10, bottom: 30}, tooltip: {trigger: "axis"},
        xAxis: {type: "category", data: chart.days}, yAxis: {type: "value", minInterval: 1},
        series: [{type: "bar", data: chart.daily, itemStyle: {color: green}}]
      });
      return [funnel, daily];
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
