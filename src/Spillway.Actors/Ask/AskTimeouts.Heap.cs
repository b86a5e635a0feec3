namespace Spillway.Actors;

/// <summary>The binary min-heap behind <see cref="AskTimeouts"/>, ordered by <see cref="AskOperation.HeapKey"/>; every method runs under the heap's lock.</summary>
internal sealed partial class AskTimeouts
{
    private void Push(AskOperation operation)
    {
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        _heap[_count] = operation;
        operation.HeapIndex = _count;
        _count++;
        SiftUp(_count - 1);
    }

    private void RemoveAt(int index)
    {
        var removed = _heap[index];
        removed.HeapIndex = -1;
        _count--;
        if (index != _count)
        {
            var last = _heap[_count];
            _heap[index] = last;
            last.HeapIndex = index;
            SiftDown(index);
            SiftUp(last.HeapIndex);
        }

        _heap[_count] = null!;
        if (_heap.Length > MinCapacity && _count < _heap.Length / 4)
        {
            // Bounded by the operations in use, not the past peak.
            Array.Resize(ref _heap, _heap.Length / 2);
        }
    }

    private void SiftUp(int index)
    {
        var item = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (_heap[parent].HeapKey <= item.HeapKey)
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        var item = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].HeapKey < _heap[child].HeapKey)
            {
                child++;
            }

            if (item.HeapKey <= _heap[child].HeapKey)
            {
                break;
            }

            _heap[index] = _heap[child];
            _heap[index].HeapIndex = index;
            index = child;
        }

        _heap[index] = item;
        item.HeapIndex = index;
    }
}
