using Xunit.Abstractions;

namespace ViGoR.Nlp.Tests;

/// <summary>
/// Precision and recall of asserted thing lemmas against 82 hand-annotated real captions by four
/// LVLMs (Fixtures/gold-captions.jsonl). The floors are what the extractor achieves today, a little
/// rounded down: a change that loses quality fails here.
/// </summary>
public class GoldSetTests(ITestOutputHelper output)
{
    private const double PrecisionFloor = 0.95;
    private const double RecallFloor = 0.95;

    [Fact]
    public void Gold_set_has_at_least_thirty_captions_from_every_model()
    {
        Assert.True(Fixture.Gold.Count >= 80);
        foreach (var model in new[] { "llava", "mplug", "minigpt-4", "instructblip" })
        {
            Assert.Contains(Fixture.Gold, g => g.Id.StartsWith(model + "-", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Macro_precision_and_recall_of_thing_lemmas_per_caption_stay_above_the_floor()
    {
        double precisionSum = 0, recallSum = 0;
        int truePositives = 0, predicted = 0, expected = 0;
        foreach (var caption in Fixture.Gold)
        {
            var found = Fixture.Extractor.Extract(caption.Text).Nouns
                .Where(m => m.Kind == NounKind.Thing && m.IsAsserted)
                .Select(m => m.Lemma)
                .ToHashSet(StringComparer.Ordinal);
            var gold = caption.Things.ToHashSet(StringComparer.Ordinal);
            var hits = found.Count(gold.Contains);
            var precision = found.Count == 0 ? 1.0 : (double)hits / found.Count;
            var recall = gold.Count == 0 ? 1.0 : (double)hits / gold.Count;
            precisionSum += precision;
            recallSum += recall;
            truePositives += hits;
            predicted += found.Count;
            expected += gold.Count;
            if (hits != found.Count || hits != gold.Count)
            {
                output.WriteLine($"{caption.Id}: P={precision:F2} R={recall:F2} extra=[{string.Join(", ", found.Except(gold))}] missed=[{string.Join(", ", gold.Except(found))}]");
            }
        }

        var macroPrecision = precisionSum / Fixture.Gold.Count;
        var macroRecall = recallSum / Fixture.Gold.Count;
        output.WriteLine($"macro precision {macroPrecision:F3}, macro recall {macroRecall:F3}; micro precision {(double)truePositives / predicted:F3}, micro recall {(double)truePositives / expected:F3} over {Fixture.Gold.Count} captions");
        Assert.True(macroPrecision >= PrecisionFloor, $"macro precision {macroPrecision:F3} < {PrecisionFloor}");
        Assert.True(macroRecall >= RecallFloor, $"macro recall {macroRecall:F3} < {RecallFloor}");
    }
}
