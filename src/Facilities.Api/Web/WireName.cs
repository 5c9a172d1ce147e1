using System.Collections.Frozen;
using System.Text.Json;

namespace Facilities.Api.Web;

/// <summary>
/// The one mapping of a state or kind enum to the name clients send and the database stores: the member's name in
/// snake case (<c>OutOfOrder</c> is <c>out_of_order</c>). Handlers compare enums; only this class knows the names.
/// </summary>
public static class WireName
{
    public static string Of<T>(T value) where T : struct, Enum => Names<T>.ByValue[value];

    /// <summary>The value named <paramref name="name"/>, or null when no member has that name (case matters).</summary>
    public static T? Parse<T>(string? name) where T : struct, Enum =>
        name is not null && Names<T>.ByName.TryGetValue(name, out var value) ? value : null;

    /// <summary>Every name, in declaration order (for messages such as "must be one of").</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Names<T>.All;

    private static class Names<T> where T : struct, Enum
    {
        public static readonly string[] All = [.. Enum.GetValues<T>().Select(v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()))];
        public static readonly FrozenDictionary<T, string> ByValue = Enum.GetValues<T>().Zip(All).ToFrozenDictionary(p => p.First, p => p.Second);
        public static readonly FrozenDictionary<string, T> ByName = Enum.GetValues<T>().Zip(All).ToFrozenDictionary(p => p.Second, p => p.First, StringComparer.Ordinal);
    }
}

/// <summary><see cref="WireName"/> as extension methods.</summary>
public static class WireNameExtensions
{
    public static string Name<T>(this T value) where T : struct, Enum => WireName.Of(value);
}
