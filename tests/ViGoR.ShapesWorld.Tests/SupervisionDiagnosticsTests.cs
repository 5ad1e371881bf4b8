namespace ViGoR.ShapesWorld.Tests;

/// <summary>
/// <see cref="SupervisionDiagnostics"/> on a hand-made journal whose figures were counted by hand: scene A
/// holds a white cup and a white clock, scene B an orange and a red book.
/// </summary>
public sealed class SupervisionDiagnosticsTests : IDisposable
{
    private static readonly Scene A = Scene("a.png", ("cup", "white"), ("clock", "white"));
    private static readonly Scene B = Scene("b.png", ("orange", "orange"), ("book", "red"));

    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-diagnostics-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Mentions_are_category_words_singular_and_plural_with_orange_before_a_category_a_colour()
    {
        Assert.Equal(
            new[] { "kite", "sports ball", "stop sign" },
            SupervisionDiagnostics.Mentions("An Orange kite near the stop signs. A ball, a basketball.").Order(StringComparer.Ordinal));
        Assert.Equal(["orange", "tv"], SupervisionDiagnostics.Mentions("Two oranges and TVs.").Order(StringComparer.Ordinal));
        Assert.Equal(["orange", "sports ball"], SupervisionDiagnostics.Mentions("The ball is orange.").Order(StringComparer.Ordinal));

        // "cupboard" is no cup, so this orange is the fruit; "cupcakes" are no cups either.
        Assert.Equal(["orange"], SupervisionDiagnostics.Mentions("An orange  cupboard. Cupcakes."));
    }

    [Fact]
    public void A_hand_made_journal_gives_the_hand_counted_figures()
    {
        var d = SupervisionDiagnostics.Compute(WriteAndRead(Records()), [A, B]);

        Assert.Equal(2, d.Images); // the failed record has no samples
        Assert.Equal(1, d.ImagesWithoutTarget);

        // A: {cup, kite} {cup} {cup, clock, tv} {}; B: {book} {orange, stop sign} {book}; two categories present in each.
        Assert.Equal(new ObjectCounts(Descriptions: 7, Mentioned: 10, Hallucinated: 3, Present: 14, Recalled: 7), d.Samples);
        Assert.Equal(0.3, d.Samples.ChairI, 12);
        Assert.Equal(0.5, d.Samples.Recall, 12);

        // Best of k: A's {cup} (0 hallucinated, 1 present; the empty sample recalls less), B's first {book} (tied with its third).
        Assert.Equal(new ObjectCounts(2, 2, 0, 4, 2), d.BestOfK);

        // Chosen: A's {cup, clock, tv}, B's {book}.
        Assert.Equal(new ObjectCounts(2, 4, 1, 4, 3), d.Chosen);
        Assert.Equal(0.25, d.Chosen.ChairI, 12);
        Assert.Equal(0.75, d.Chosen.Recall, 12);

        // Targets: A's only.
        Assert.Equal(new ObjectCounts(1, 2, 0, 2, 2), d.Targets);
        Assert.Equal(1.0, d.Targets.Recall, 12);

        // A's chosen has 3 sentences against its empty sample's 0; B's has 1, the fewest.
        Assert.Equal(2, d.ChosenImages);
        Assert.Equal(1, d.ChosenShortest);

        // Nine judged sentences, seven wrong: every wrong one outranks both right ones (-1, -0.3) but
        // "There is an orange cup." (-0.5), which outranks only one: 13 of 14 pairs.
        Assert.Equal(9, d.RewardModelJudged);
        Assert.Equal(13 / 14.0, d.RewardModelRocAuc!.Value, 12);
    }

    [Fact]
    public void Holistic_judgements_are_ranked_per_sample_and_a_journal_without_a_reward_model_has_no_auc()
    {
        // One judgement per sample, kept on its first sentence; a sample is wrong when any sentence is.
        var record = Ok(
            "a.png",
            1,
            "There is a cup. There is a clock.",
            Sample(0, ("There is a cup.", -0.6), ("There is a kite.", null)),
            Sample(1, ("There is a cup.", 0.4), ("There is a clock.", null)),
            Sample(2, ("There are two cups.", 0.1), ("There is a clock.", null)));

        var holistic = SupervisionDiagnostics.Compute(WriteAndRead([record]), [A], RewardGranularity.Holistic);

        // Wrong samples score 0.6 and -0.1 in error-ness, the right one -0.4. Read per sentence instead, the
        // one wrong first sentence (-0.1) would outrank one of two right ones: 0.5.
        Assert.Equal(3, holistic.RewardModelJudged);
        Assert.Equal(1.0, holistic.RewardModelRocAuc);

        var automaticOnly = Records().Select(r => r with
        {
            Samples = r.Samples.Select(s => s with { Sentences = s.Sentences.Select(x => x with { Signals = new Dictionary<string, SentenceSignal> { [RewardStreams.Automatic] = new() { Bonus = 1 } } }).ToList() }).ToList(),
        });
        var none = SupervisionDiagnostics.Compute(WriteAndRead(automaticOnly), [A, B]);
        Assert.Null(none.RewardModelRocAuc);
        Assert.Equal(0, none.RewardModelJudged);
    }

    [Fact]
    public void A_record_of_an_unknown_image_is_refused()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => SupervisionDiagnostics.Compute(Records(), [A]));
        Assert.Contains("b.png", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Through the journal's own writer and reader, so the figures are those of a journal on disk.</summary>
    private IReadOnlyList<SupervisionRecord> WriteAndRead(IEnumerable<SupervisionRecord> records)
    {
        var path = Path.Combine(_folder, "supervision.jsonl");
        SupervisionJournal.WriteAll(path, new JournalHeader { VigorJournal = JournalHeader.SupervisionKind }, records);
        return SupervisionJournal.Read(path);
    }

    private static List<SupervisionRecord> Records() =>
    [
        Ok(
            "a.png",
            2,
            "There are two cups. There is a clock.",
            Sample(0, ("There is a cup.", 1), ("There is a kite.", -0.8)),
            Sample(1, ("There is an orange cup.", 0.5)),
            Sample(2, ("There are two cups.", -0.2), ("There is a clock.", 0.3), ("There is a tv.", -1)),
            Sample(3)),
        Ok(
            "b.png",
            0,
            null,
            Sample(0, ("There is an orange book.", -0.5)),
            Sample(1, ("There are two oranges.", 0.2), ("There is a stop sign.", -0.9)),
            Sample(2, ("There is a book.", null))) with { Status = SupervisionStatus.NoTarget, Error = "Refinement dropped every sentence of the chosen sample (0)." },
        new() { ImageId = "c.png", Prompt = "Describe.", Status = SupervisionStatus.Failed, Error = "bad image" },
    ];

    private static SupervisionRecord Ok(string image, int chosen, string? target, params SampleRecord[] samples) =>
        new() { ImageId = image, Prompt = "Describe.", Status = SupervisionStatus.Ok, Chosen = chosen, Target = target, Samples = samples };

    /// <summary>A sample of the given sentences, each with the reward model's score (null: not judged) and an automatic signal.</summary>
    private static SampleRecord Sample(int index, params (string Text, double? Score)[] sentences)
    {
        var records = new List<SentenceRecord>();
        var start = 0;
        foreach (var (text, score) in sentences)
        {
            var signals = new Dictionary<string, SentenceSignal> { [RewardStreams.Automatic] = new() { Bonus = 1 } };
            if (score is { } s)
            {
                signals[RewardStreams.RewardModel] = new() { Evidence = new RewardModelEvidence { Score = s }.ToEvidence(), Penalty = Math.Max(0, -s), Bonus = Math.Max(0, s) };
            }

            records.Add(new SentenceRecord { Start = start, End = start + text.Length, Text = text, Signals = signals });
            start += text.Length + 1;
        }

        return new SampleRecord { Index = index, Text = string.Join(" ", sentences.Select(s => s.Text)), Sentences = records };
    }

    private static Scene Scene(string file, params (string Category, string Colour)[] objects)
    {
        var placed = objects.Select((o, i) => new SceneObject(ShapesWorldKinds.Of(o.Category), o.Colour, Large: false, X: 2 + (30 * i), Y: 2, Width: 16, Height: 16)).ToList();
        return new Scene(file[..^4], file, 80, 80, "kitchen", placed, new RgbImage(file, 80, 80, new byte[80 * 80 * 3]), ShapesWorldGenerator.Describe(placed));
    }
}
