using System.Globalization;
using System.Net;
using System.Text;
using ViGoR.Cli.Demo.Run;

namespace ViGoR.Cli.Demo.Report;

/// <summary>
/// Renders a demo run (<see cref="DemoReportModel"/>) as report.html: one self-contained HTML5 page
/// with an inline style sheet, inline SVG plots and the example images as data URIs, so that it
/// opens offline and can be archived or mailed as a single file.
/// </summary>
internal static class DemoReportWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly (string Key, string Header)[] MainMetrics =
    [
        ("chair_i", "CHAIRi (%)"), ("chair_s", "CHAIRs (%)"), ("recall", "Recall (%)"), ("words", "Words"), ("pope_f1", "POPE F1 (%)"),
    ];

    private static readonly string[] PlottedMetrics = ["chair_i", "chair_s", "recall", "pope_f1"];

    /// <summary>How many CSS pixels an example's image pixel takes: a scene of 80 px is drawn 320 px wide, each pixel a crisp square.</summary>
    private const int ExampleScale = 4;

    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];

    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
        h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
        table{border-collapse:collapse;margin:.5rem 0 1rem}
        th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right;font-variant-numeric:tabular-nums}td{white-space:nowrap}
        thead th{background:#f4f4f4}th[scope=row],thead th:first-child{text-align:left}
        td.missing{color:#999;text-align:center}
        .claims{list-style:none;padding:0}.claims li{margin:.6rem 0}
        .badge{display:inline-block;padding:0 .5rem;border-radius:.7rem;font-size:.85em;font-weight:600;color:#fff;white-space:nowrap}
        .badge.held{background:#1a9850}.badge.not-held{background:#d73027}.badge.chosen{background:#4e79a7}
        .detail{color:#555;font-size:.9em;margin-left:1.2rem}
        .plots{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}
        .axis{stroke:#444;fill:none}.grid{stroke:#eee}.err{stroke:#222;stroke-width:1.2}
        .tick{font-size:10px;fill:#555}.plot-title{font-size:12px;font-weight:600;fill:#222}
        .frame{position:relative;display:inline-block;vertical-align:top}
        .frame img{display:block;width:100%;height:auto;image-rendering:pixelated}
        .frame svg{position:absolute;left:0;top:0;width:100%;height:100%}
        .box{fill:none}.box.gt{stroke:#1a9850}.box.det{stroke:#f28e2b}
        .box-label{paint-order:stroke;stroke:#fff}.box-label.gt{fill:#13733c}.box-label.det{fill:#b3540b}
        .legend{list-style:none;display:inline-block;margin:0 0 0 1rem;padding:0;vertical-align:top}
        .swatch{display:inline-block;width:24px;margin-right:.4rem;vertical-align:middle;border-top:3px solid #1a9850}
        .swatch.det{border-top:3px dashed #f28e2b}
        .sample{border:1px solid #e3e3e3;border-radius:6px;padding:.4rem .8rem;margin:.6rem 0}
        .sample.chosen{border-color:#4e79a7;background:#f5f8fc}
        .stream,.signal{font-size:.85em;color:#555;margin-left:.6rem;white-space:nowrap}
        del{color:#b2182b}.reason{font-size:.85em;color:#b2182b;margin-left:.4rem}
        .target{background:#f0f7f0;padding:.5rem .8rem;border-left:3px solid #1a9850}
        .failed{color:#b2182b}.muted{color:#888}
        .signal-legend{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;font-size:.9em;margin:.5rem 0 1rem}
        .signal-legend dt .stream{margin-left:0}.signal-legend dd{margin:0;color:#444}
        .supervision-grid{display:flex;flex-wrap:wrap;gap:0 2rem}.supervision-grid section{flex:1 1 460px}
        .verdict{font-size:.92em;margin:.2rem 0 1rem}
        """;

    /// <summary>Renders the complete page: title and setup, results tables, the base's calibration, claims, supervision per configuration, plots, and examples with a legend of their signals.</summary>
    /// <param name="model">What the page shows.</param>
    /// <returns>The HTML text.</returns>
    public static string Render(DemoReportModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sb = new StringBuilder();
        sb.Append(Inv, $"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{H(model.Title)}</title>\n<style>\n{Style}</style>\n</head>\n<body>\n");
        sb.Append(Inv, $"<h1>{H(model.Title)}</h1>\n<p>Seeds: {H(string.Join(", ", model.Seeds.Select(s => s.ToString(Inv))))}</p>\n<ul class=\"setup\">\n");
        foreach (var line in model.Setup)
        {
            sb.Append(Inv, $"<li>{H(line)}</li>\n");
        }

        sb.Append("</ul>\n<h2>Results</h2>\n");
        AppendTable(sb, model.Configs, MainMetrics);
        var others = model.Configs.SelectMany(c => c.Metrics.Keys).Distinct().Where(k => !MainMetrics.Any(m => m.Key == k))
            .Order(StringComparer.Ordinal).ToList();
        if (others.Count > 0)
        {
            // One row per metric, one column per configuration: it stays as wide as the configurations, however many metrics there are.
            sb.Append("<h3>Other metrics</h3>\n");
            AppendMetricRows(sb, model.Configs, others);
        }

        if (model.Calibration is { } calibration)
        {
            AppendCalibration(sb, calibration);
        }

        sb.Append("<h2>Claims</h2>\n<ul class=\"claims\">\n");
        foreach (var claim in model.Claims)
        {
            sb.Append(Inv, $"<li title=\"{H(claim.Name)}\">{Badge(claim.Held)} {H(claim.Statement)}<div class=\"detail\">{H(claim.Explanation)}</div></li>\n");
        }

        sb.Append("</ul>\n");
        if (model.Supervision.Count > 0)
        {
            AppendSupervision(sb, model);
        }

        if (model.Variants.Count > 0)
        {
            AppendVariants(sb, model);
        }

        sb.Append("<h2>Plots</h2>\n<div class=\"plots\">\n");
        foreach (var key in PlottedMetrics)
        {
            AppendBarChart(sb, key, MainMetrics.First(m => m.Key == key).Header, model.Configs);
        }

        foreach (var (stream, penalties) in model.RewardDistributions.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            AppendHistogram(sb, stream, penalties);
        }

        sb.Append("</div>\n<h2>Examples</h2>\n");
        AppendSignalLegend(sb, model.Examples);
        foreach (var example in model.Examples)
        {
            AppendExample(sb, example);
        }

        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>
    /// Writes the page to <paramref name="path"/>, through <c>path.tmp</c> and a rename so that a
    /// reader never sees a half-written report.
    /// </summary>
    /// <param name="path">The report file (created or replaced).</param>
    /// <param name="model">What the page shows.</param>
    public static void Write(string path, DemoReportModel model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var html = Render(model);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, path, overwrite: true);
    }

    private static void AppendTable(StringBuilder sb, IReadOnlyList<ReportConfig> configs, IReadOnlyList<(string Key, string Header)> columns)
    {
        sb.Append("<table>\n<thead><tr><th>Config</th>");
        foreach (var (_, header) in columns)
        {
            sb.Append(Inv, $"<th>{H(header)}</th>");
        }

        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var config in configs)
        {
            sb.Append(Inv, $"<tr><th scope=\"row\" title=\"{H(config.Name)}\">{H(config.Label)}</th>");
            foreach (var (key, _) in columns)
            {
                AppendCell(sb, config, key);
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</tbody>\n</table>\n");
    }

    private static void AppendMetricRows(StringBuilder sb, IReadOnlyList<ReportConfig> configs, IReadOnlyList<string> keys)
    {
        sb.Append("<table>\n<thead><tr><th>Metric</th>");
        foreach (var config in configs)
        {
            sb.Append(Inv, $"<th title=\"{H(config.Name)}\">{H(config.Label)}</th>");
        }

        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var key in keys)
        {
            sb.Append(Inv, $"<tr><th scope=\"row\" title=\"{H(key)}\">{H(MetricName(key))}</th>");
            foreach (var config in configs)
            {
                AppendCell(sb, config, key);
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</tbody>\n</table>\n");
    }

    /// <summary>A metric's mean ± std over seeds, with the per-seed values as its tooltip; a dash when the configuration lacks it.</summary>
    private static void AppendCell(StringBuilder sb, ReportConfig config, string key)
    {
        if (!config.Metrics.TryGetValue(key, out var summary) || !double.IsFinite(summary.Mean))
        {
            sb.Append("<td class=\"missing\">—</td>");
            return;
        }

        var perSeed = config.PerSeed.TryGetValue(key, out var values) && values.Count > 0
            ? $" title=\"per seed: {H(string.Join(", ", values.Select(v => Metric(key, v))))}\""
            : "";
        var std = double.IsFinite(summary.Std) ? " ± " + Metric(key, summary.Std) : "";
        sb.Append(Inv, $"<td{perSeed}>{Metric(key, summary.Mean)}{std}</td>");
    }

    private static void AppendCalibration(StringBuilder sb, ReportCalibration calibration)
    {
        sb.Append(Inv, $"<h2>Calibration of the base model</h2>\n<p>Measured on the validation split ({calibration.Images.ToString(Inv)} images per seed, mean over seeds) before any ViGoR configuration ran, against LLaVA's published error profile.</p>\n");
        sb.Append("<table class=\"calibration\">\n<thead><tr><th>Target</th><th>Measured</th><th>Held</th></tr></thead>\n<tbody>\n");
        foreach (var target in calibration.Targets)
        {
            var measured = target.Measured is { } v ? Metric(target.Name, v) + (IsRate(target.Name) ? "%" : "") : "not measured";
            sb.Append(Inv, $"<tr><th scope=\"row\" title=\"{H(target.Name)}\">{H(target.Statement)}</th><td>{H(measured)}</td><td>{Badge(target.Held)}</td></tr>\n");
        }

        sb.Append("</tbody>\n</table>\n");
    }

    private static void AppendSupervision(StringBuilder sb, DemoReportModel model)
    {
        sb.Append("<h2>Supervision against ground truth</h2>\n<p>Each configuration's training-split journals, pooled over the seeds and checked against ShapesWorld's ground truth: CHAIRi (hallucinated share of the objects mentioned) and object recall at each stage, down to the fine-tuned model on the test split. The best of k is the sample a selection that knew the ground truth would pick. The weak link is the stage that loses most CHAIRi points: selection (chosen against best of k), refinement (what it leaves in the targets) or fine-tuning (the model against its targets).</p>\n<div class=\"supervision-grid\">\n");
        var baseConfig = model.Configs.FirstOrDefault(c => c.Name == "base");
        foreach (var supervision in model.Supervision)
        {
            var config = model.Configs.FirstOrDefault(c => c.Name == supervision.Config);
            var f = supervision.Figures;
            sb.Append(Inv, $"<section class=\"supervision\" id=\"supervision-{H(supervision.Config)}\">\n<h3>{H(config?.Label ?? supervision.Config)}</h3>\n");
            sb.Append("<table>\n<thead><tr><th>Descriptions</th><th>n</th><th>CHAIRi (%)</th><th>Recall (%)</th></tr></thead>\n<tbody>\n");
            foreach (var (stage, counts) in new[] { ("All k samples", f.Samples), ("Best of k (ground truth)", f.BestOfK), ("Chosen samples", f.Chosen), ("Refined targets", f.Targets) })
            {
                sb.Append(Inv, $"<tr><th scope=\"row\">{stage}</th><td>{counts.Descriptions.ToString(Inv)}</td><td>{Metric("chair_i", counts.ChairI)}</td><td>{Metric("recall", counts.Recall)}</td></tr>\n");
            }

            foreach (var (stage, row) in new[] { ("Fine-tuned model (test split)", config), ("Base model (test split)", baseConfig) })
            {
                if (row is not null)
                {
                    sb.Append(Inv, $"<tr><th scope=\"row\">{stage}</th><td class=\"missing\">—</td>");
                    AppendCell(sb, row, "chair_i");
                    AppendCell(sb, row, "recall");
                    sb.Append("</tr>\n");
                }
            }

            var auc = f.RewardModelRocAuc is { } a
                ? $"reward model's ROC AUC against ground truth on what it judged: {F(a, "0.00")} (n = {f.RewardModelJudged.ToString(Inv)})"
                : f.RewardModelJudged > 0 ? $"reward model judged {f.RewardModelJudged.ToString(Inv)} units, all right or all wrong: no ROC AUC" : "no reward-model stream";
            sb.Append(Inv, $"</tbody>\n</table>\n<p class=\"detail\">{f.Images.ToString(Inv)} images, {f.ImagesWithoutTarget.ToString(Inv)} left without a target; the chosen sample was the shortest for {f.ChosenShortest.ToString(Inv)} of {f.ChosenImages.ToString(Inv)}; {H(auc)}.</p>\n");
            var weak = supervision.WeakLink;
            sb.Append(Inv, $"<p class=\"verdict\">Weak link: <strong>{H(weak.StageName)}</strong>. {H(Capitalise(weak.Evidence))}{H(weak.Context)}.</p>\n</section>\n");
        }

        sb.Append("</div>\n");
    }

    private static void AppendVariants(StringBuilder sb, DemoReportModel model)
    {
        sb.Append("<h2>Reward signal and selection order (validation split)</h2>\n<p>The base model's k samples of the validation scenes, supervised by ViGoR-RM and ViGoR-All with each reward-model signal (<em>label</em>: the judged label's penalty, the paper's; <em>expected</em>: the expected score over the labels) and each order (<em>select then refine</em>, the paper's; <em>refine then select</em>: every sample refined first, the least penalty of what is kept chosen). Nothing is fine-tuned here: the variants are compared by the targets they make.</p>\n");
        sb.Append("<table class=\"variants\">\n<thead><tr><th>Configuration</th><th>Signal</th><th>Order</th><th>Without target</th><th>Chosen shortest</th><th>Chosen CHAIRi (%)</th><th>Targets CHAIRi (%)</th><th>Targets recall (%)</th></tr></thead>\n<tbody>\n");
        foreach (var (key, f) in model.Variants)
        {
            var parts = key.Split('/');
            var label = model.Configs.FirstOrDefault(c => c.Name == parts[0])?.Label ?? parts[0];
            sb.Append(Inv, $"<tr><th scope=\"row\">{H(label)}</th><td>{H(parts[1])}</td><td>{H(parts[2].Replace('_', ' '))}</td><td>{f.ImagesWithoutTarget.ToString(Inv)} / {f.Images.ToString(Inv)}</td><td>{f.ChosenShortest.ToString(Inv)} / {f.ChosenImages.ToString(Inv)}</td><td>{Metric("chair_i", f.Chosen.ChairI)}</td><td>{Metric("chair_i", f.Targets.ChairI)}</td><td>{Metric("recall", f.Targets.Recall)}</td></tr>\n");
        }

        sb.Append("</tbody>\n</table>\n");
    }

    /// <summary>What each figure beside a sample or sentence means, for every stream the examples show.</summary>
    private static void AppendSignalLegend(StringBuilder sb, IReadOnlyList<ReportExample> examples)
    {
        if (examples.Count == 0)
        {
            return;
        }

        var streams = examples.SelectMany(e => e.Record.Samples)
            .SelectMany(s => s.Streams.Keys.Concat(s.Sentences.SelectMany(x => x.Signals.Keys)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        sb.Append("<dl class=\"signal-legend\">\n");
        sb.Append("<dt><span class=\"stream\">combined penalty</span></dt><dd>the sample's penalties, each stream's divided by its spread over the data set, weighted and added: the least-penalised sample is chosen</dd>\n");
        sb.Append("<dt><span class=\"stream\">combined bonus</span></dt><dd>the same for the positive signals: it breaks ties</dd>\n");
        foreach (var stream in streams)
        {
            var meaning = stream switch
            {
                "automatic" => "the detector stream: p = objects named that the detector did not find (and counts that disagree, when counts are checked), b = named objects it found; per sentence, and totalled per sample",
                "reward_model" => "the reward model: p = max(0, −score), b = max(0, score) of its judgement of the sentence (holistic: of the whole description, shown on its first sentence); totalled per sample",
                _ => "that stream's penalty p and bonus b, per sentence and totalled per sample",
            };
            sb.Append(Inv, $"<dt><span class=\"stream\">{H(stream)} −p / +b</span></dt><dd>{H(meaning)}</dd>\n");
        }

        sb.Append("<dt><del>sentence</del> <span class=\"reason\">(stream: reason)</span></dt><dd>dropped by refinement, with each stream's reason; the rest of the chosen sample is the refined target</dd>\n</dl>\n");
    }

    private static void AppendBarChart(StringBuilder sb, string key, string title, IReadOnlyList<ReportConfig> configs)
    {
        const double width = 360, left = 46, right = 10, top = 30, bottom = 186, lineHeight = 12;
        var bars = configs.Select((c, i) => (c.Label, Colour: Palette[i % Palette.Length], Summary: c.Metrics.GetValueOrDefault(key)))
            .Where(b => b.Summary is not null && double.IsFinite(b.Summary.Mean))
            .Select(b => (b.Label, b.Colour, Mean: b.Summary!.Mean * 100, Std: double.IsFinite(b.Summary.Std) ? Math.Abs(b.Summary.Std) * 100 : 0))
            .ToList();
        var (max, step) = NiceScale(bars.Select(b => b.Mean + b.Std).DefaultIfEmpty(0).Max());
        double Y(double v) => bottom - ((bottom - top) * Math.Clamp(v, 0, max) / max);
        double slot = (width - left - right) / Math.Max(1, bars.Count);

        // Labels are wrapped at spaces, never cut: every configuration is named in full under its bar.
        var labels = bars.Select(b => Wrap(b.Label, (int)(slot / 6))).ToList();
        double height = bottom + 14 + (lineHeight * Math.Max(2, labels.Select(l => l.Count).DefaultIfEmpty(1).Max()));

        StartSvg(sb, width, height, title);
        AppendYAxis(sb, left, width - right, top, bottom, max, step);
        if (bars.Count == 0)
        {
            sb.Append(Inv, $"<text class=\"tick\" x=\"{N(width / 2)}\" y=\"{N((top + bottom) / 2)}\" text-anchor=\"middle\">no data</text>\n");
        }

        for (int i = 0; i < bars.Count; i++)
        {
            var (label, colour, mean, std) = bars[i];
            double centre = left + (slot * (i + 0.5)), barWidth = Math.Min(slot * 0.6, 60), y = Y(mean);
            sb.Append(Inv, $"<rect x=\"{N(centre - (barWidth / 2))}\" y=\"{N(y)}\" width=\"{N(barWidth)}\" height=\"{N(bottom - y)}\" fill=\"{colour}\"><title>{H(label)}: {F(mean, "F1")} ± {F(std, "F1")}</title></rect>\n");
            if (std > 0)
            {
                double high = Y(mean + std), low = Y(mean - std), cap = barWidth / 6;
                sb.Append(Inv, $"<path class=\"err\" d=\"M{N(centre)},{N(low)}V{N(high)}M{N(centre - cap)},{N(high)}H{N(centre + cap)}M{N(centre - cap)},{N(low)}H{N(centre + cap)}\"/>\n");
            }

            sb.Append(Inv, $"<text class=\"tick\" x=\"{N(centre)}\" y=\"{N(Y(mean + std) - 4)}\" text-anchor=\"middle\">{F(mean, "F1")}</text>\n");
            var lines = string.Concat(labels[i].Select((line, n) => $"<tspan x=\"{N(centre)}\" dy=\"{(n == 0 ? "0" : N(lineHeight))}\">{H(line)}</tspan>"));
            sb.Append(Inv, $"<text class=\"tick bar-label\" x=\"{N(centre)}\" y=\"{N(bottom + 14)}\" text-anchor=\"middle\">{lines}</text>\n");
        }

        sb.Append("</svg></figure>\n");
    }

    private static void AppendHistogram(StringBuilder sb, string stream, IReadOnlyList<double> penalties)
    {
        const int binCount = 20;
        const double width = 360, height = 230, left = 46, right = 10, top = 30, bottom = 186;
        var values = penalties.Where(double.IsFinite).ToList();
        StartSvg(sb, width, height, $"{stream} penalties (n = {values.Count.ToString(Inv)})");
        if (values.Count == 0)
        {
            AppendYAxis(sb, left, width - right, top, bottom, 1, 1);
            sb.Append(Inv, $"<text class=\"tick\" x=\"{N(width / 2)}\" y=\"{N((top + bottom) / 2)}\" text-anchor=\"middle\">no samples</text>\n</svg></figure>\n");
            return;
        }

        double lo = values.Min(), hi = values.Max();
        if (hi - lo < 1e-12)
        {
            // All values equal: centre them in a unit-wide range rather than divide by zero.
            (lo, hi) = (lo - 0.5, hi + 0.5);
        }

        var counts = new int[binCount];
        foreach (var v in values)
        {
            counts[Math.Clamp((int)((v - lo) / (hi - lo) * binCount), 0, binCount - 1)]++;
        }

        var (max, step) = NiceScale(counts.Max());
        step = Math.Max(1, Math.Ceiling(step));
        max = Math.Ceiling(max / step) * step;
        AppendYAxis(sb, left, width - right, top, bottom, max, step);
        double binWidth = (width - left - right) / binCount;
        for (int i = 0; i < binCount; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            double y = bottom - ((bottom - top) * counts[i] / max);
            double from = lo + ((hi - lo) * i / binCount), to = lo + ((hi - lo) * (i + 1) / binCount);
            sb.Append(Inv, $"<rect x=\"{N(left + (binWidth * i) + 0.5)}\" y=\"{N(y)}\" width=\"{N(binWidth - 1)}\" height=\"{N(bottom - y)}\" fill=\"#4e79a7\"><title>[{F(from, "0.###")}, {F(to, "0.###")}): {counts[i].ToString(Inv)}</title></rect>\n");
        }

        foreach (var (x, anchor, v) in new[] { (left, "start", lo), ((left + width - right) / 2, "middle", (lo + hi) / 2), (width - right, "end", hi) })
        {
            sb.Append(Inv, $"<text class=\"tick\" x=\"{N(x)}\" y=\"{N(bottom + 14)}\" text-anchor=\"{anchor}\">{F(v, "0.###")}</text>\n");
        }

        sb.Append(Inv, $"<text class=\"tick\" x=\"{N((left + width - right) / 2)}\" y=\"{N(bottom + 32)}\" text-anchor=\"middle\">penalty</text>\n</svg></figure>\n");
    }

    private static void StartSvg(StringBuilder sb, double width, double height, string title) =>
        sb.Append(Inv, $"<figure><svg width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" role=\"img\" aria-label=\"{H(title)}\">\n<text class=\"plot-title\" x=\"{N(width / 2)}\" y=\"16\" text-anchor=\"middle\">{H(title)}</text>\n");

    private static void AppendYAxis(StringBuilder sb, double left, double right, double top, double bottom, double max, double step)
    {
        for (int i = 0; i * step <= max * (1 + 1e-9); i++)
        {
            double v = i * step, y = bottom - ((bottom - top) * v / max);
            sb.Append(Inv, $"<line class=\"grid\" x1=\"{N(left)}\" y1=\"{N(y)}\" x2=\"{N(right)}\" y2=\"{N(y)}\"/><text class=\"tick\" x=\"{N(left - 4)}\" y=\"{N(y + 3)}\" text-anchor=\"end\">{F(v, "0.###")}</text>\n");
        }

        sb.Append(Inv, $"<path class=\"axis\" d=\"M{N(left)},{N(top)}V{N(bottom)}H{N(right)}\"/>\n");
    }

    private static void AppendExample(StringBuilder sb, ReportExample example)
    {
        var record = example.Record;
        int width = Math.Max(1, example.Width), height = Math.Max(1, example.Height);
        // Strokes and labels are drawn in image pixels, which the page scales up ExampleScale times.
        const double unit = 1.0 / ExampleScale;
        var seed = example.Seed is { } s ? $"Seed {s.ToString(Inv)} · " : "";
        sb.Append(Inv, $"<section class=\"example\">\n<h3>{seed}{H(example.Config)} · {H(record.ImageId)}</h3>\n<div class=\"frame\" style=\"width:{width * ExampleScale}px\"><img alt=\"{H(record.ImageId)}\" width=\"{width * ExampleScale}\" height=\"{height * ExampleScale}\" src=\"data:image/png;base64,{Convert.ToBase64String(example.Png)}\">");
        sb.Append(Inv, $"<svg viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\n");
        foreach (var box in example.GroundTruth)
        {
            AppendBox(sb, box, "gt", unit);
        }

        foreach (var box in example.Detected)
        {
            AppendBox(sb, box, "det", unit);
        }

        // A configuration without the automatic stream never asked the detector: it has no boxes, and no legend entry for them.
        sb.Append("</svg></div>\n<ul class=\"legend\"><li><span class=\"swatch gt\"></span>ground truth</li>");
        sb.Append(example.Detected.Count > 0 ? "<li><span class=\"swatch det\"></span>detected</li></ul>\n" : "</ul>\n");
        sb.Append(Inv, $"<p>Prompt: {H(record.Prompt)}</p>\n");
        if (record.Samples.Count == 0)
        {
            sb.Append("<p class=\"muted\">No samples.</p>\n");
        }

        foreach (var sample in record.Samples)
        {
            AppendSample(sb, sample, record.Chosen == sample.Index ? record.Dropped : null);
        }

        sb.Append(record.Status switch
        {
            SupervisionStatus.Ok => $"<h4>Refined target</h4>\n<p class=\"target\">{H(record.Target ?? "")}</p>\n",
            SupervisionStatus.Failed => $"<p class=\"failed\">Failed: {H(record.Error ?? "unknown error")}</p>\n",
            SupervisionStatus.NoTarget => $"<p class=\"muted\">no target{(record.Error is null ? "" : ": " + H(record.Error))}</p>\n",
            _ => "<p class=\"muted\">not selected yet</p>\n",
        });
        sb.Append("</section>\n");
    }

    private static void AppendBox(StringBuilder sb, ReportBox box, string kind, double unit)
    {
        double x = Math.Min(box.X1, box.X2), y = Math.Min(box.Y1, box.Y2), w = Math.Abs(box.X2 - box.X1), h = Math.Abs(box.Y2 - box.Y1);
        var dash = kind == "det" ? $" stroke-dasharray=\"{N(5 * unit)} {N(3 * unit)}\"" : "";
        // Ground-truth labels go in the top-left corner, detections' in the bottom-left, so that a match does not overprint.
        double labelY = kind == "gt" ? y + (11 * unit) : y + h - (3 * unit);
        sb.Append(Inv, $"<rect class=\"box {kind}\" x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(w)}\" height=\"{N(h)}\" stroke-width=\"{N(2 * unit)}\"{dash}/>");
        sb.Append(Inv, $"<text class=\"box-label {kind}\" x=\"{N(x + (2 * unit))}\" y=\"{N(labelY)}\" font-size=\"{N(10 * unit)}\" stroke-width=\"{N(2 * unit)}\">{H(box.Label)}</text>\n");
    }

    private static void AppendSample(StringBuilder sb, SampleRecord sample, IReadOnlyList<DroppedSentence>? dropped)
    {
        sb.Append(Inv, $"<div class=\"sample{(dropped is null ? "" : " chosen")}\">\n<div><strong>Sample {sample.Index}</strong>");
        if (dropped is not null)
        {
            sb.Append(" <span class=\"badge chosen\">chosen</span>");
        }

        if (sample.CombinedPenalty is { } penalty)
        {
            sb.Append(Inv, $" <span class=\"stream\">combined penalty {F(penalty, "0.0##")}</span>");
        }

        if (sample.CombinedBonus is { } bonus)
        {
            sb.Append(Inv, $" <span class=\"stream\">combined bonus {F(bonus, "0.0##")}</span>");
        }

        foreach (var (stream, totals) in sample.Streams.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            sb.Append(Inv, $" <span class=\"stream\">{H(stream)} −{F(totals.Penalty, "0.0##")} / +{F(totals.Bonus, "0.0##")}</span>");
        }

        sb.Append("</div>\n");
        var byIndex = (dropped ?? []).GroupBy(d => d.SentenceIndex).ToDictionary(g => g.Key, g => g.First());
        if (sample.Sentences.Count == 0)
        {
            sb.Append(Inv, $"<p>{(sample.Text.Length == 0 ? "<span class=\"muted\">(empty)</span>" : H(sample.Text))}</p>\n");
        }
        else
        {
            sb.Append("<ol start=\"0\">\n");
            for (int i = 0; i < sample.Sentences.Count; i++)
            {
                var sentence = sample.Sentences[i];
                sb.Append(byIndex.TryGetValue(i, out var drop)
                    ? $"<li><del>{H(sentence.Text)}</del> <span class=\"reason\">({H(Reasons(drop))})</span>"
                    : $"<li>{H(sentence.Text)}");
                foreach (var (stream, signal) in sentence.Signals.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    var parts = new List<string>();
                    if (signal.Penalty != 0)
                    {
                        parts.Add("−" + F(signal.Penalty, "0.0##"));
                    }

                    if (signal.Bonus != 0)
                    {
                        parts.Add("+" + F(signal.Bonus, "0.0##"));
                    }

                    if (parts.Count > 0)
                    {
                        sb.Append(Inv, $"<span class=\"signal\">{H(stream)} {string.Join(" / ", parts)}</span>");
                    }
                }

                sb.Append("</li>\n");
            }

            sb.Append("</ol>\n");
        }

        // A dropped sentence the sample's own split does not have is still worth showing.
        foreach (var drop in byIndex.Values.Where(d => d.SentenceIndex < 0 || d.SentenceIndex >= sample.Sentences.Count))
        {
            sb.Append(Inv, $"<p><del>{H(drop.Text)}</del> <span class=\"reason\">({H(Reasons(drop))})</span></p>\n");
        }

        sb.Append("</div>\n");
    }

    private static string Reasons(DroppedSentence drop) =>
        drop.Reasons.Count > 0 ? string.Join("; ", drop.Reasons.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {string.Join(", ", r.Value)}"))
        : drop.MissingObjects.Count > 0 ? "missing: " + string.Join(", ", drop.MissingObjects)
        : "dropped";

    private static (double Max, double Step) NiceScale(double top)
    {
        if (!(top > 0) || !double.IsFinite(top))
        {
            top = 1;
        }

        double rough = top / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough))), fraction = rough / magnitude;
        double step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        return (Math.Ceiling((top / step) - 1e-9) * step, step);
    }

    // Rates (CHAIR, recall, POPE) are stored as fractions and shown as percentages.
    private static bool IsRate(string key) => key is "recall" or "cooccurring_hallucinations" || key.StartsWith("chair_", StringComparison.Ordinal) || key.StartsWith("pope_", StringComparison.Ordinal);

    private static string Metric(string key, double value) =>
        IsRate(key) ? F(value * 100, "F1") : key == "words" ? F(value, "F1") : F(value, "0.###");

    /// <summary>Words of <paramref name="text"/> gathered into lines of at most <paramref name="width"/> characters; a longer word stands alone, whole.</summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (lines.Count > 0 && lines[^1].Length + 1 + word.Length <= width)
            {
                lines[^1] += " " + word;
            }
            else
            {
                lines.Add(word);
            }
        }

        return lines;
    }

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Badge(bool held) => held ? "<span class=\"badge held\">✔ held</span>" : "<span class=\"badge not-held\">✘ not held</span>";

    /// <summary>A metric key as a reader names it: <c>pope_f1_adversarial</c> is "POPE F1, adversarial (%)".</summary>
    private static string MetricName(string key)
    {
        var unit = IsRate(key) ? " (%)" : "";
        if (key.StartsWith("pope_", StringComparison.Ordinal))
        {
            var rest = key["pope_".Length..];
            var split = DemoEvaluation.PopeSplits.FirstOrDefault(p => rest.EndsWith("_" + p, StringComparison.Ordinal));
            var statistic = split is null ? rest : rest[..^(split.Length + 1)];
            var name = statistic switch { "f1" => "F1", "yes_ratio" => "yes-ratio", _ => statistic.Replace('_', ' ') };
            return $"POPE {name}, {split ?? "mean of the splits"}{unit}";
        }

        return key switch
        {
            "cooccurring_hallucinations" => "Hallucinations co-occurring with the scene's theme (%)",
            _ => Capitalise(key.Replace('_', ' ')) + unit,
        };
    }

    private static string F(double value, string format) => value.ToString(format, Inv);

    private static string N(double value) => value.ToString("0.##", Inv);

    private static string H(string? text) => WebUtility.HtmlEncode(text ?? "");
}
