package crashlog

import (
	"fmt"
	"strconv"
	"strings"
)

// Rendering of the crashed thread's state (ips.md §7): 64-bit registers as
// 0x%016x, cpsr and esr as 0x%08x, names right-aligned in 5 columns; ARM rows
// hold four registers and start with one space, x86 rows hold four and start
// with none (corpus 01b, 07b, 06b, 25b, macsymbolicator .crash files).

// threadState writes "Thread N crashed with … Thread State (64-bit):" and the
// register rows of the crashed thread, when it has a thread state.
func (t *textWriter) threadState() {
	fi := t.r.FaultingThread
	if fi < 0 || fi >= len(t.r.Threads) || t.r.Threads[fi].Registers == nil {
		return
	}
	th := &t.r.Threads[fi]
	rs := th.Registers
	if strings.HasPrefix(strings.ToLower(rs.Flavor), "x86") {
		t.x86State(fi, rs)
	} else {
		t.armState(fi, rs)
	}
	t.blank()
	if t.macHeader {
		t.instructionStream(fi)
		t.blank()
	}
}

func (t *textWriter) armState(n int, rs *Registers) {
	bits := "64-bit"
	if rs.Flavor == "ARM_THREAD_STATE" || rs.Flavor == "ARM_THREAD_STATE32" {
		bits = "32-bit"
	}
	t.printf("Thread %d crashed with ARM Thread State (%s):\n", n, bits)
	var xs []*Register
	for i := range rs.Regs {
		if r := &rs.Regs[i]; len(r.Name) > 1 && r.Name[0] == 'x' && isDecimal(r.Name[1:]) {
			xs = append(xs, r)
		}
	}
	// Rows of four x registers; the last partial row continues with fp, lr.
	var row []*Register
	flush := func() {
		if len(row) == 0 {
			return
		}
		t.buf.WriteByte(' ')
		for _, r := range row {
			t.regCell(r)
		}
		t.blank()
		row = row[:0]
	}
	for _, r := range xs {
		row = append(row, r)
		if len(row) == 4 {
			flush()
		}
	}
	for _, name := range []string{"fp", "lr"} {
		if r := rs.Reg(name); r != nil {
			row = append(row, r)
		}
	}
	flush()
	for _, name := range []string{"sp", "pc", "cpsr"} {
		if r := rs.Reg(name); r != nil {
			row = append(row, r)
		}
	}
	flush()
	for _, name := range []string{"far", "esr"} {
		if r := rs.Reg(name); r != nil {
			row = append(row, r)
		}
	}
	if len(row) > 0 {
		t.buf.WriteByte(' ')
		for _, r := range row {
			t.regCell(r)
		}
		if esr := rs.Reg("esr"); esr != nil && esr.Description != "" && row[len(row)-1] == esr {
			t.buf.WriteString(" " + esr.Description)
		}
		t.blank()
	}
}

// regCell writes one "%5s: 0x%016x" cell (0x%08x for 32-bit status registers).
func (t *textWriter) regCell(r *Register) {
	name := r.Name
	if name == "rflags" {
		name = "rfl"
	}
	switch name {
	case "cpsr", "esr":
		t.printf("%5s: 0x%08x", name, r.Value)
	default:
		t.printf("%5s: 0x%016x", name, r.Value)
	}
}

func (t *textWriter) x86State(n int, rs *Registers) {
	bits := "64-bit"
	if strings.HasPrefix(t.r.CPUType, "X86") && !strings.Contains(t.r.CPUType, "64") {
		bits = "32-bit"
	}
	t.printf("Thread %d crashed with X86 Thread State (%s):\n", n, bits)
	rows := [][]string{
		{"rax", "rbx", "rcx", "rdx"},
		{"rdi", "rsi", "rbp", "rsp"},
		{"r8", "r9", "r10", "r11"},
		{"r12", "r13", "r14", "r15"},
		{"rip", "rflags", "cr2"},
		{"tmp0", "tmp1", "tmp2"},
	}
	for _, names := range rows {
		wrote := false
		for _, name := range names {
			if r := rs.Reg(name); r != nil {
				t.regCell(r)
				wrote = true
			}
		}
		if wrote {
			t.blank()
		}
	}
	cpu, errc, trap := rs.Reg("cpu"), rs.Reg("err"), rs.Reg("trap")
	if cpu == nil && errc == nil && trap == nil {
		return
	}
	t.line("  ")
	if cpu != nil {
		t.line("Logical CPU:     " + strconv.FormatUint(cpu.Value, 10))
	}
	if errc != nil {
		desc := ""
		if trap != nil {
			desc = trap.Description
		}
		t.line(fmt.Sprintf("Error Code:      0x%08x %s", errc.Value, desc))
	}
	if trap != nil {
		t.line("Trap Number:     " + strconv.FormatUint(trap.Value, 10))
	}
}

// instructionStream writes the crashed thread's instructionState bytes as
// Console does: 16 bytes per row, a '-' after the eighth, the byte at the
// faulting offset in brackets and the row marked "<==".
func (t *textWriter) instructionStream(fi int) {
	if fi >= len(t.p.instr) || t.p.instr[fi] == nil {
		return
	}
	st := t.p.instr[fi].Stream
	if len(st.Bytes) == 0 {
		return
	}
	at := -1
	if st.Offset.iok {
		at = int(st.Offset.i)
	}
	t.printf("Thread %d instruction stream:\n", fi)
	for row := 0; row < len(st.Bytes); row += 16 {
		var line, ascii strings.Builder
		line.WriteByte(' ')
		marked := false
		for i := row; i < row+16 && i < len(st.Bytes); i++ {
			switch {
			case i == at:
				line.WriteByte('[')
				marked = true
			case i == at+1 && i != row:
				line.WriteByte(']')
			case i == row+8:
				line.WriteByte('-')
			default:
				line.WriteByte(' ')
			}
			v := byte(st.Bytes[i].u)
			fmt.Fprintf(&line, "%02x", v)
			if v >= 0x20 && v < 0x7f {
				ascii.WriteByte(v)
			} else {
				ascii.WriteByte('.')
			}
		}
		if marked && at == row+15 {
			line.WriteByte(']')
		}
		t.buf.WriteString(line.String() + "  " + ascii.String())
		if marked {
			t.buf.WriteString("\t<==")
		}
		t.blank()
	}
}
