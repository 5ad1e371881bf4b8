using System.Diagnostics.CodeAnalysis;

// "Reward stream" is the paper's term for one source of reward signals (Yan et al., Sec. 3.3);
// these types are not System.IO streams, and renaming them would break the vocabulary users read
// in the paper, the journal (its "streams" keys) and the CLI (--weight reward_model=2).
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The paper's term.", Scope = "type", Target = "~T:ViGoR.IRewardStream")]
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The paper's term.", Scope = "type", Target = "~T:ViGoR.IBatchRewardStream")]
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The paper's term.", Scope = "type", Target = "~T:ViGoR.AutomaticRewardStream")]
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The paper's term.", Scope = "type", Target = "~T:ViGoR.RewardModelStream")]
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The paper's term.", Scope = "type", Target = "~T:ViGoR.DelegatingRewardStream")]
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The paper's term.", Scope = "type", Target = "~T:ViGoR.VqaSelfCheckStream")]
