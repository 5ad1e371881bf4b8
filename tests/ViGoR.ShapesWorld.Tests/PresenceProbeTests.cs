namespace ViGoR.ShapesWorld.Tests;

public sealed class PresenceProbeTests
{
    private static readonly List<Scene> Fit = Enumerable.Range(0, 300).Select(i => ShapesWorldGenerator.Generate(11, i)).ToList();
    private static readonly List<Scene> Held = Enumerable.Range(0, 150).Select(i => ShapesWorldGenerator.Generate(12, i)).ToList();

    [Fact]
    public void Features_that_encode_presence_give_a_near_perfect_probe()
    {
        var random = new Random(1);
        var result = PresenceProbe.Evaluate(Features(Fit, random, signal: 1), Fit, Features(Held, random, signal: 1), Held);
        Assert.Equal(ShapesWorldKinds.All.Count, result.PerCategory.Count);
        Assert.True(result.Min > 0.97, $"min AUC {result.Min:F3}");
    }

    [Fact]
    public void Features_without_the_signal_give_chance()
    {
        var random = new Random(2);
        var result = PresenceProbe.Evaluate(Features(Fit, random, signal: 0), Fit, Features(Held, random, signal: 0), Held);
        Assert.InRange(result.Mean, 0.4, 0.6);
    }

    // 12 presence dimensions scaled by signal, plus 8 of noise (unit normal).
    private static List<float[]> Features(List<Scene> scenes, Random random, double signal) => scenes.Select(s =>
        ShapesWorldKinds.All.Select(k => (float)((s.Objects.Any(o => o.Kind == k) ? signal : 0) + (0.3 * Normal(random))))
            .Concat(Enumerable.Range(0, 8).Select(_ => (float)Normal(random))).ToArray()).ToList();

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
