using System.Text.Json;

namespace ViGoR.Core.Tests.Journal;

public sealed class SentenceSignalJsonTests
{
    // A sentence as journals wrote it before the evidence moved under "evidence": each built-in
    // stream's evidence beside its penalty, bonus and drop (the properties in the order the old
    // SentenceSignal declared them).
    private const string LegacySentence = """
        {"start":0,"end":29,"text":"A dog sits on a bench by a kite.","nouns":[],"signals":{
        "automatic":{"penalty":2,"bonus":1,"drop":["kite"],"found":["dog"],"missing":["kite"],"count_mismatches":["dog"],"unverified":["bench"]},
        "reward_model":{"penalty":1,"bonus":0,"drop":["object_hallucination"],"score":-0.4,"label_score":-1,"error":"object_hallucination","unreadable":true}}}
        """;

    private static SentenceSignal Read(string json) => JsonSerializer.Deserialize<SentenceSignal>(json, JournalJson.Options)!;

    private static string Write(SentenceSignal signal) => JsonSerializer.Serialize(signal, JournalJson.Options);

    [Fact]
    public void A_legacy_line_reads_the_same_typed_evidence_as_before()
    {
        var sentence = JsonSerializer.Deserialize<SentenceRecord>(LegacySentence.ReplaceLineEndings(string.Empty), JournalJson.Options)!;

        var automatic = sentence.Signals[RewardStreams.Automatic];
        Assert.Equal((2.0, 1.0), (automatic.Penalty, automatic.Bonus));
        Assert.Equal(["kite"], automatic.Drop!);
        var found = AutomaticEvidence.From(automatic)!;
        Assert.Equal(["dog"], found.Found!);
        Assert.Equal(["kite"], found.Missing!);
        Assert.Equal(["dog"], found.CountMismatches!);
        Assert.Equal(["bench"], found.Unverified!);
        Assert.Null(RewardModelEvidence.From(automatic));

        var model = sentence.Signals[RewardStreams.RewardModel];
        Assert.Equal((1.0, 0.0), (model.Penalty, model.Bonus));
        Assert.Equal(["object_hallucination"], model.Drop!);
        Assert.Equal(new RewardModelEvidence { Score = -0.4, LabelScore = -1, Error = SentenceErrorKind.ObjectHallucination, Unreadable = true }, RewardModelEvidence.From(model));
        Assert.Null(AutomaticEvidence.From(model));
    }

    [Fact]
    public void A_legacy_signal_is_written_back_in_the_new_shape_with_its_evidence_in_the_same_order()
    {
        var legacy = """{"penalty":1,"bonus":0,"drop":["kite"],"found":[],"missing":["kite"],"count_mismatches":[]}""";

        Assert.Equal("""{"penalty":1,"bonus":0,"drop":["kite"],"evidence":{"found":[],"missing":["kite"],"count_mismatches":[]}}""", Write(Read(legacy)));
        Assert.Equal("""{"penalty":0.25,"bonus":0,"evidence":{"score":-0.25,"error":"none"}}""", Write(Read("""{"penalty":0.25,"bonus":0,"score":-0.25,"error":"none"}""")));
    }

    [Fact]
    public void A_new_signal_round_trips_with_its_evidence_under_evidence_and_nothing_null_written()
    {
        var evidence = new AutomaticEvidence { Found = ["dog"], Missing = ["kite"], CountMismatches = [] }.ToEvidence();
        new RewardModelEvidence { Score = -0.5, Error = SentenceErrorKind.Attribute }.WriteTo(evidence);
        var signal = new SentenceSignal { Penalty = 1, Bonus = 0.5, Drop = ["kite"], Evidence = evidence };

        var json = Write(signal);
        Assert.Equal("""{"penalty":1,"bonus":0.5,"drop":["kite"],"evidence":{"found":["dog"],"missing":["kite"],"count_mismatches":[],"score":-0.5,"error":"attribute"}}""", json);
        var back = Read(json);
        Assert.Equal((1.0, 0.5), (back.Penalty, back.Bonus));
        Assert.Equal(["kite"], back.Drop!);
        Assert.Equal(["dog"], AutomaticEvidence.From(back)!.Found!);
        Assert.Equal(["kite"], AutomaticEvidence.From(back)!.Missing!);
        Assert.Null(AutomaticEvidence.From(back)!.Unverified);
        Assert.Equal(new RewardModelEvidence { Score = -0.5, Error = SentenceErrorKind.Attribute }, RewardModelEvidence.From(back));
        Assert.Equal(json, Write(back));

        Assert.Equal("""{"penalty":0,"bonus":0}""", Write(new SentenceSignal()));
    }

    [Fact]
    public void A_stream_of_its_own_keeps_its_evidence_and_a_legacy_property_beside_it_joins_it()
    {
        var signal = Read("""{"penalty":1,"bonus":0,"note":"old","evidence":{"answers":{"dog":0.1}}}""");

        Assert.Equal(["answers", "note"], signal.Evidence!.Keys);
        Assert.Equal("""{"dog":0.1}""", signal.Evidence["answers"].GetRawText());
        Assert.Null(AutomaticEvidence.From(signal));
        Assert.Null(RewardModelEvidence.From(signal));
        Assert.Null(RewardModelEvidence.From(null));
        Assert.Throws<JsonException>(() => Read("""{"penalty":1,"bonus":0,"score":1,"evidence":{"score":2}}"""));
    }
}
