using ViGoR.Evaluation;

namespace ViGoR;

/// <summary>Settings of <see cref="AnnotationGroundingDetector"/>.</summary>
public sealed class AnnotationDetectorOptions
{
    /// <summary>
    /// Maps a phrase (and each annotation's category name) to a category. Default: CHAIR's COCO
    /// synonyms (<see cref="CocoVocabulary.Default"/>), so "puppy" finds a "dog" box. A category name
    /// the vocabulary does not list matches itself.
    /// </summary>
    public CocoVocabulary Vocabulary { get; set; } = CocoVocabulary.Default;

    /// <summary>Also try singular forms of a phrase's last word ("dogs" -> "dog", "benches" -> "bench", "women" -> "woman"). Default true.</summary>
    public bool HandlePlurals { get; set; } = true;

    /// <summary>
    /// Probability in [0, 1] that an annotated box is not reported, so the detector misses objects as a
    /// real one does (a category is missed when all its boxes are). Default 0: ground truth.
    /// </summary>
    public double MissRate { get; set; }

    /// <summary>
    /// Probability in [0, 1] that a requested phrase naming a category absent from the image is reported
    /// anyway, with one box, as a real detector's false alarm. Default 0: ground truth.
    /// </summary>
    public double FalseAlarmRate { get; set; }

    /// <summary>
    /// Seeds the misses and false alarms. Each decision is a pure function of (seed, image id, category,
    /// box index), so answers do not depend on the order or grouping of queries.
    /// </summary>
    public int NoiseSeed { get; set; }

    /// <summary>A copy.</summary>
    public AnnotationDetectorOptions Clone() => (AnnotationDetectorOptions)MemberwiseClone();

    /// <summary>The settings that change answers, for the detector's identity (the default vocabulary is not named).</summary>
    internal string IdentitySuffix() =>
        (ReferenceEquals(Vocabulary, CocoVocabulary.Default) ? string.Empty : "+custom-vocabulary") + (HandlePlurals ? string.Empty : "+no-plurals")
        + (MissRate > 0 || FalseAlarmRate > 0 ? FormattableString.Invariant($"+noise(miss={MissRate},false_alarm={FalseAlarmRate},seed={NoiseSeed})") : string.Empty);

    internal void Validate()
    {
        if (MissRate is < 0 or > 1 || double.IsNaN(MissRate))
        {
            throw new ArgumentOutOfRangeException(nameof(MissRate), MissRate, "MissRate must be in [0, 1].");
        }

        if (FalseAlarmRate is < 0 or > 1 || double.IsNaN(FalseAlarmRate))
        {
            throw new ArgumentOutOfRangeException(nameof(FalseAlarmRate), FalseAlarmRate, "FalseAlarmRate must be in [0, 1].");
        }
    }
}
