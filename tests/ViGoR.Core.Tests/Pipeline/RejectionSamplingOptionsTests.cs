using System.Reflection;
using System.Runtime.CompilerServices;

namespace ViGoR.Core.Tests.Pipeline;

public class RejectionSamplingOptionsTests
{
    /// <summary>A value of <paramref name="type"/> that differs from <paramref name="current"/> (a new instance for a class).</summary>
    private static object Other(Type type, object? current)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(bool))
        {
            return !(bool)current!;
        }

        if (underlying == typeof(int))
        {
            return ((int?)current ?? 0) + 7;
        }

        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying);
            return values.GetValue((Array.IndexOf(values, current) + 1) % values.Length)!;
        }

        // Any class or record: an instance nobody else holds, so sameness proves the copy.
        return RuntimeHelpers.GetUninitializedObject(underlying);
    }

    [Fact]
    public void CopyTo_copies_every_property()
    {
        var source = new RejectionSamplingOptions();
        var properties = typeof(RejectionSamplingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        foreach (var property in properties)
        {
            property.SetValue(source, Other(property.PropertyType, property.GetValue(source)));
        }

        var target = new RejectionSamplingOptions();
        source.CopyTo(target);

        Assert.All(properties, p => Assert.True(Equals(p.GetValue(source), p.GetValue(target)), $"CopyTo does not copy {p.Name}"));
    }
}
