using System.Reflection;
using System.Reflection.Emit;

namespace Facilities.Tests;

/// <summary>
/// Feature folders depend in one direction, and Data/ and Web/ import no feature (CONVENTIONS.md). Read from the
/// compiled API, not its text: every type a feature's code names — in signatures, base types and the IL of its
/// method bodies (lambdas and async state machines included, as nested types) — is one dependency.
/// </summary>
public sealed class FolderDependencyTests
{
    private const string Root = "Facilities.Api.";
    private static readonly Assembly Api = typeof(Facilities.Api.Data.FacilityChanges).Assembly;
    private static readonly Lazy<Dictionary<string, SortedSet<string>>> Graph = new(BuildGraph);

    [Fact]
    public void Data_and_Web_name_no_feature()
    {
        var offending = Graph.Value
            .Where(e => e.Key is "Data" or "Web")
            .SelectMany(e => e.Value.Where(IsFeature).Select(to => $"{e.Key} -> {to}"))
            .ToList();
        Assert.True(offending.Count == 0, "Data/ and Web/ name features: " + string.Join(", ", offending));
    }

    [Fact]
    public void Feature_folders_form_no_cycle()
    {
        var features = Graph.Value.Where(e => IsFeature(e.Key)).ToDictionary(e => e.Key, e => e.Value.Where(IsFeature).ToList());
        var cycles = new List<string>();
        foreach (var start in features.Keys)
        {
            // A path back to the start through other features is a cycle; the shortest is reported.
            var previous = new Dictionary<string, string>();
            var queue = new Queue<string>([start]);
            while (queue.Count > 0 && !previous.ContainsKey(start))
            {
                var at = queue.Dequeue();
                foreach (var next in features.GetValueOrDefault(at, []))
                {
                    if (previous.TryAdd(next, at))
                    {
                        queue.Enqueue(next);
                    }
                }
            }
            if (previous.TryGetValue(start, out var last))
            {
                var path = new List<string> { start };
                for (var at = last; at != start; at = previous[at])
                {
                    path.Insert(0, at);
                }
                path.Insert(0, start);
                cycles.Add(string.Join(" -> ", path));
            }
        }
        Assert.True(cycles.Count == 0, "Feature folders depend on each other in a cycle: " + string.Join("; ", cycles.Distinct()));
    }

    [Fact]
    public void The_reader_sees_a_known_dependency()
    {
        // Imports sends the Categories catalogue's types; a reader that found nothing would pass the tests above.
        Assert.Contains("Features.Categories", Graph.Value["Features.Imports"]);
        Assert.Contains("Web", Graph.Value["Features.Imports"]);
    }

    private static bool IsFeature(string folder) => folder.StartsWith("Features.", StringComparison.Ordinal);

    /// <summary>The folder of a type of the API: Data, Web or Features.X (sub-namespaces belong to X); null outside them.</summary>
    private static string? FolderOf(Type? type)
    {
        var ns = type?.Namespace;
        if (type is null || type.Assembly != Api || ns is null || !ns.StartsWith(Root, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = ns[Root.Length..].Split('.');
        return parts[0] == "Features" && parts.Length > 1 ? "Features." + parts[1] : parts[0];
    }

    private static Dictionary<string, SortedSet<string>> BuildGraph()
    {
        var graph = new Dictionary<string, SortedSet<string>>();
        foreach (var type in Api.GetTypes())
        {
            var from = FolderOf(type);
            if (from is null)
            {
                continue;
            }
            var edges = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            foreach (var named in NamedBy(type))
            {
                foreach (var part in Unwrap(named))
                {
                    if (FolderOf(part) is { } to && to != from)
                    {
                        edges.Add(to);
                    }
                }
            }
        }
        return graph;
    }

    /// <summary>A type with its generic arguments, element types and declaring types: each is a name the code uses.</summary>
    private static IEnumerable<Type> Unwrap(Type type)
    {
        yield return type;
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (var t in Unwrap(element)) yield return t;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var t in Unwrap(argument)) yield return t;
            }
        }
    }

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static |
                                          BindingFlags.Public | BindingFlags.NonPublic;

    private static IEnumerable<Type> NamedBy(Type type)
    {
        if (type.BaseType is { } baseType) yield return baseType;
        foreach (var i in type.GetInterfaces()) yield return i;
        foreach (var field in type.GetFields(Declared)) yield return field.FieldType;
        foreach (var property in type.GetProperties(Declared)) yield return property.PropertyType;
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info) yield return info.ReturnType;
            foreach (var parameter in method.GetParameters()) yield return parameter.ParameterType;
            foreach (var used in UsedInBody(method)) yield return used;
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types a method body's IL names: in calls, field accesses, allocations, casts and ldtoken.</summary>
    private static IEnumerable<Type> UsedInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE && at + 1 < il.Length ? (short)(0xFE00 | il[at + 1]) : il[at];
            if (!OpCodesByValue.TryGetValue(value, out var op))
            {
                yield break;
            }
            at += op.Size;
            switch (op.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    var member = Resolve(method.Module, BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                    if (member is Type used) yield return used;
                    else if (member is not null)
                    {
                        if (member.DeclaringType is { } declaring) yield return declaring;
                        if (member is MethodInfo { IsGenericMethod: true } generic)
                        {
                            foreach (var argument in generic.GetGenericArguments()) yield return argument;
                        }
                        if (member is FieldInfo field) yield return field.FieldType;
                    }
                    at += 4;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    at += 8;
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
