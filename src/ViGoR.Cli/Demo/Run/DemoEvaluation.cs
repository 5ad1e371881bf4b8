using System.Globalization;
using ViGoR.ShapesWorld;
using ViGoR.Evaluation;

namespace ViGoR.Cli.Demo.Run;

/// <summary>One model's evaluation on the test (or validation) split with one seed: the metrics (CHAIR's and POPE's per split), and the descriptions CHAIR scored.</summary>
internal sealed record DemoEvaluation(string Config, int Seed, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Descriptions)
{
    public static IReadOnlyList<string> PopeSplits => PopeSampler.Splits;

    /// <summary>CHAIRi, CHAIRs, object recall and words per description (<see cref="ChairEvaluator"/>), and POPE accuracy, precision, F1 and yes-ratio per split (<see cref="PopeEvaluator"/>); <c>pope_f1</c> is the mean F1 of the three splits.</summary>
    public static DemoEvaluation Compute(string config, int seed, IReadOnlyList<Scene> scenes, IReadOnlyList<string> descriptions, IReadOnlyList<PopeItem> questions, IReadOnlyList<string> answers)
    {
        var truth = new ChairGroundTruth();
        foreach (var scene in scenes)
        {
            truth.Add(scene.FileName, scene.Objects.Select(o => o.Kind.Category));
        }

        var chair = new ChairEvaluator().Evaluate(scenes.Select((s, i) => new ChairCaption(s.FileName, descriptions[i])), truth, includeDetails: true);
        var present = scenes.ToDictionary(s => s.FileName, s => s.Categories, StringComparer.Ordinal);
        var hallucinated = chair.Details.SelectMany(d => d.Mentions.Where(m => m.Hallucinated).Select(m => present[d.ImageId].Any(p => ShapesWorldKinds.CoOccur(p, m.Category)))).ToList();
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["chair_i"] = chair.ChairI,
            ["chair_s"] = chair.ChairS,
            ["recall"] = chair.Recall,
            ["words"] = descriptions.Average(d => d.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length),

            // LLaVA's hallucinations follow co-occurrence (what usually comes with what it sees): the share
            // of hallucinated mentions whose category co-occurs with an object the scene has.
            ["cooccurring_hallucinations"] = hallucinated.Count == 0 ? 0 : hallucinated.Average(c => c ? 1.0 : 0.0),
        };

        var labels = PopeSplits.Select(split => new PopeLabelSet(split, questions
            .Select((q, i) => (q, i))
            .Where(x => x.q.Split == split)
            .Select(x => new PopeLabel(Id(x.q), x.q.Image, ShapesWorldCorpus.Question(x.q.Category), x.q.Present, "shapesworld", x.i + 1))
            .ToList())).ToList();
        var popeAnswers = questions.Select((q, i) => new PopeAnswer(Id(q), q.Image, ShapesWorldCorpus.Question(q.Category), q.Split, answers[i], "demo", i + 1)).ToList();
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
        metrics["pope_yes_ratio"] = PopeSplits.Average(s => pope.Splits[s].YesRatio);
        return new DemoEvaluation(config, seed, metrics, descriptions);
    }

    // Question ids are unique per split only; prefix the split so answers pair by id.
    private static string Id(PopeItem q) => string.Create(CultureInfo.InvariantCulture, $"{q.Split}-{q.QuestionId}");
}
