namespace Spillway;

/// <summary>
/// The tags of one lane's tagged messages: (index in the lane's storage, tag) pairs in append order. Created on a lane's
/// first tagged append and handed to the reader together with the lane's storage at every swap, so the positions stay
/// valid and the steady state allocates nothing.
/// </summary>
/// <remarks>
/// Thread-safety: none of its own. A lane's list is touched only under that lane's lock; once swapped out it belongs to
/// the single reader, like the batch it describes.
/// </remarks>
internal sealed class LaneTags
{
    private const int InitialCapacity = 4;

    private int[] _indices = new int[InitialCapacity];
    private object[] _tags = new object[InitialCapacity];

    /// <summary>The barrier marks of each tagged message (see <see cref="LaneHandle{T}.TryAppendBarrier"/>), or null.</summary>
    private long[]?[] _marks = new long[]?[InitialCapacity];
    private int _count;

    /// <summary>Gets how many tags are recorded.</summary>
    public int Count => _count;

    /// <summary>Gets how many tags fit before the list grows (trimmed like lane storage).</summary>
    public int Capacity => _tags.Length;

    /// <summary>Gets the storage index of the <paramref name="position"/>-th tagged message.</summary>
    public int IndexAt(int position) => _indices[position];

    /// <summary>Gets the tag of the <paramref name="position"/>-th tagged message.</summary>
    public object TagAt(int position) => _tags[position];

    /// <summary>
    /// Gets the barrier marks of the <paramref name="position"/>-th tagged message: per lane slot, how many messages that
    /// lane had received before the message was appended, which the reader must have handed out first; or
    /// <see langword="null"/> when the message is no barrier (or nothing in another lane preceded it).
    /// </summary>
    public long[]? MarksAt(int position) => _marks[position];

    /// <summary>Records <paramref name="tag"/> (and the barrier <paramref name="marks"/>, if any) for the message at <paramref name="index"/>; indices must grow.</summary>
    public void Add(int index, object tag, long[]? marks = null)
    {
        var count = _count;
        if (count == _tags.Length)
        {
            Array.Resize(ref _indices, count * 2);
            Array.Resize(ref _tags, count * 2);
            Array.Resize(ref _marks, count * 2);
        }

        _indices[count] = index;
        _tags[count] = tag;
        _marks[count] = marks;
        _count = count + 1;
    }

    /// <summary>Gets the position of the first barrier (a tagged message with marks) at or after <paramref name="fromPosition"/>, or -1.</summary>
    public int NextBarrier(int fromPosition)
    {
        for (var i = fromPosition; i < _count; i++)
        {
            if (_marks[i] is not null)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Adds the tags of the messages at <paramref name="fromIndex"/> and later to <paramref name="destination"/>.</summary>
    public void CopyTagsFrom(int fromIndex, List<object> destination)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_indices[i] >= fromIndex)
            {
                destination.Add(_tags[i]);
            }
        }
    }

    /// <summary>
    /// The lane's first message (storage index 0) was taken out and the rest shifted down one place: forgets its tag,
    /// if it had one, and returns it; the other tags move down with their messages.
    /// </summary>
    public object? RemoveFirstMessage()
    {
        object? removed = null;
        var count = _count;
        var from = 0;
        if (count != 0 && _indices[0] == 0)
        {
            removed = _tags[0];
            from = 1;
        }

        for (var i = from; i < count; i++)
        {
            _indices[i - from] = _indices[i] - 1;
            _tags[i - from] = _tags[i];
            _marks[i - from] = _marks[i];
        }

        if (from == 1)
        {
            _tags[count - 1] = null!;
            _marks[count - 1] = null;
            _count = count - 1;
        }

        return removed;
    }

    /// <summary>Forgets every tag, so the list holds no references.</summary>
    public void Clear()
    {
        Array.Clear(_tags, 0, _count);
        Array.Clear(_marks, 0, _count);
        _count = 0;
    }
}
