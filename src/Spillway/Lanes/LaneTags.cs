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

    /// <summary>
    /// Where each tagged message's barrier marks (see <see cref="LaneHandle{T}.TryAppendBarrier"/>) start in
    /// <see cref="_markData"/>, or -1 when it is no barrier. Flat storage, reused with the list, so a barrier allocates
    /// nothing once the list has grown: request-reply loops append one per ask.
    /// </summary>
    private int[] _markStarts = new int[InitialCapacity];

    /// <summary>How many marks each barrier has (the lanes in use when it was appended).</summary>
    private int[] _markLengths = new int[InitialCapacity];

    /// <summary>Every barrier's marks, one after another, in [0, <see cref="_markDataUsed"/>).</summary>
    private long[] _markData = [];
    private int _markDataUsed;
    private int _count;

    /// <summary>Gets how many tags are recorded.</summary>
    public int Count => _count;

    /// <summary>Gets how many tags (or marks) fit before the list grows (trimmed like lane storage).</summary>
    public int Capacity => Math.Max(_tags.Length, _markData.Length);

    /// <summary>Gets the storage index of the <paramref name="position"/>-th tagged message.</summary>
    public int IndexAt(int position) => _indices[position];

    /// <summary>Gets the tag of the <paramref name="position"/>-th tagged message.</summary>
    public object TagAt(int position) => _tags[position];

    /// <summary>
    /// Gets the barrier marks of the <paramref name="position"/>-th tagged message: per lane slot, how many messages that
    /// lane had received before the message was appended, which the reader must have handed out first; or
    /// <see langword="default"/> (empty) when the message is no barrier. Valid until the list is cleared.
    /// </summary>
    public ReadOnlySpan<long> MarksAt(int position) =>
        _markStarts[position] is var start and >= 0 ? new ReadOnlySpan<long>(_markData, start, _markLengths[position]) : default;

    /// <summary>
    /// Records <paramref name="tag"/> for the message at <paramref name="index"/> (indices must grow), and, when
    /// <paramref name="barrier"/>, a copy of its <paramref name="marks"/>.
    /// </summary>
    public void Add(int index, object tag, bool barrier = false, ReadOnlySpan<long> marks = default)
    {
        var count = _count;
        if (count == _tags.Length)
        {
            Array.Resize(ref _indices, count * 2);
            Array.Resize(ref _tags, count * 2);
            Array.Resize(ref _markStarts, count * 2);
            Array.Resize(ref _markLengths, count * 2);
        }

        var start = -1;
        if (barrier)
        {
            start = _markDataUsed;
            if (start + marks.Length > _markData.Length)
            {
                Array.Resize(ref _markData, Math.Max(Math.Max(InitialCapacity * 4, _markData.Length * 2), start + marks.Length));
            }

            marks.CopyTo(_markData.AsSpan(start));
            _markDataUsed = start + marks.Length;
        }

        _indices[count] = index;
        _tags[count] = tag;
        _markStarts[count] = start;
        _markLengths[count] = marks.Length;
        _count = count + 1;
    }

    /// <summary>Gets the position of the first barrier (a tagged message with marks) at or after <paramref name="fromPosition"/>, or -1.</summary>
    public int NextBarrier(int fromPosition)
    {
        for (var i = fromPosition; i < _count; i++)
        {
            if (_markStarts[i] >= 0)
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
            _markStarts[i - from] = _markStarts[i];
            _markLengths[i - from] = _markLengths[i];
        }

        if (from == 1)
        {
            // The removed message's marks stay in the flat storage unused until the list is cleared.
            _tags[count - 1] = null!;
            _count = count - 1;
        }

        return removed;
    }

    /// <summary>Forgets every tag, so the list holds no references.</summary>
    public void Clear()
    {
        Array.Clear(_tags, 0, _count);
        _count = 0;
        _markDataUsed = 0;
    }
}
