using System.Globalization;
using ViGoR.Cli.Demo.ShapesWorld;
using ViGoR.Evaluation;

namespace ViGoR.Cli.Demo.Run;

/// <summary>One model's evaluation on the test split with one seed: the metrics (CHAIR's and POPE's per split), and the descriptions CHAIR scored.</summary>
internal sealed record DemoEvaluation(string Config, int Seed, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Descriptions)
{
    public static readonly IReadOnlyList<string> PopeSplits = ["random", "popular", "adversarial"];

    /// <summary>CHAIRi, CHAIRs, object recall and words per description (<see cref="ChairEvaluator"/>), and POPE accuracy, precision, F1 and yes-ratio per split (<see cref="PopeEvaluator"/>); <c>pope_f1</c> is the mean F1 of the three splits.</summary>
    public static DemoEvaluation Compute(string config, int seed, IReadOnlyList<Scene> scenes, IReadOnlyList<string> descriptions, IReadOnlyList<PopeItem> questions, IReadOnlyList<string> answers)
    {
        var truth = new ChairGroundTruth();
        foreach (var scene in scenes)
        {
            truth.Add(scene.FileName, scene.Objects.Select(o => o.Kind.Category));
        }

        var chair = new ChairEvaluator().Evaluate(scenes.Select((s, i) => new ChairCaption(s.FileName, descriptions[i])), truth, includeDetails: false);
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["chair_i"] = chair.ChairI,
            ["chair_s"] = chair.ChairS,
            ["recall"] = chair.Recall,
            ["words"] = descriptions.Average(d => d.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length),
        };

        var labels = PopeSplits.Select(split => new PopeLabelSet(split, questions
            .Select((q, i) => (q, i))
            .Where(x => x.q.Split == split)
            .Select(x => new PopeLabel(Id(x.q), x.q.Image, x.q.Text, x.q.Present, "shapesworld", x.i + 1))
            .ToList())).ToList();
        var popeAnswers = questions.Select((q, i) => new PopeAnswer(Id(q), q.Image, q.Text, q.Split, answers[i], "demo", i + 1)).ToList();
        var pope = new PopeEvaluator().Evaluate(labels, popeAnswers);
        foreach (var split in PopeSplits)
        {
            var r = pope.Splits[split];
            metrics[$"pope_accuracy_{split}"] = r.Accuracy;
            metrics[$"pope_precision_{split}"] = r.Precision;
            metrics[$"pope_f1_{split}"] = r.F1;
            metrics[$"pope_yes_ratio_{split}"] = r.YesRatio;
        }

        metrics["pope_f1"] = PopeSplits.Average(s => pope.Splits[s].F1);
        return new DemoEvaluation(config, seed, metrics, descriptions);
    }

    // Question ids are unique per split only; prefix the split so answers pair by id.
    private static string Id(PopeItem q) => string.Create(CultureInfo.InvariantCulture, $"{q.Split}-{q.QuestionId}");
}
