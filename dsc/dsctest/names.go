package dsctest

import (
	"strconv"
	"strings"
)

// knownImage is a recognisable dylib placed first in every generated cache,
// with real-world function names used before generated ones.
type knownImage struct {
	path     string
	exported []string // C, C++ and Swift linkage names, most recognisable first
	local    []string // names seen only in .symbols / in-cache locals
}

// knownImages lists the first images of every cache, in image order. The
// first six make up [Demo].
var knownImages = []knownImage{
	{"/usr/lib/system/libsystem_kernel.dylib",
		[]string{"___pthread_kill", "_mach_msg2_trap", "_open", "_close", "_read", "_write", "___semwait_signal", "_mach_msg", "_kevent_id", "___workq_kernreturn", "_mmap", "_getpid", "_kill", "_mach_absolute_time", "_ioctl"},
		[]string{"_cerror_nocancel", "_cerror", "_mach_msg2_internal", "_mach_msg_overwrite", "__kernelrpc_mach_vm_allocate_trap"}},
	{"/usr/lib/system/libsystem_c.dylib",
		[]string{"_abort", "_printf", "_fopen", "_fclose", "_fwrite", "_exit", "_atexit", "_qsort", "_getenv", "_snprintf", "_strtol", "_time", "_usleep"},
		[]string{"___abort", "__vfprintf", "___sfvwrite", "__cleanup", "___swsetup"}},
	{"/usr/lib/system/libdyld.dylib",
		[]string{"_dlopen", "_dlsym", "_dlclose", "_dlerror", "_dladdr", "__dyld_image_count", "__dyld_get_image_header", "__dyld_get_image_name", "_dyld_get_active_platform"},
		[]string{"__ZN5dyld44APIs6dlopenEPKci", "__ZN5dyld44APIs5dlsymEPvPKc", "_start"}},
	{"/System/Library/Frameworks/Foundation.framework/Foundation",
		[]string{"_NSLog", "_NSStringFromClass", "_NSClassFromString", "_NSHomeDirectory", "_$s10Foundation4DataV5countSivg", "_$s10Foundation3URLV4pathSSvg", "_NSSearchPathForDirectoriesInDomains"},
		[]string{"-[NSString stringByAppendingString:]", "-[NSObject(NSThreadPerformAdditions) performSelectorOnMainThread:withObject:waitUntilDone:]", "-[NSRunLoop(NSRunLoop) runMode:beforeDate:]", "-[NSThread main]", "___NSThread__start__", "-[NSOperation start]", "-[NSFileManager fileExistsAtPath:]", "+[NSJSONSerialization JSONObjectWithData:options:error:]"}},
	{"/System/Library/PrivateFrameworks/UIKitCore.framework/UIKitCore",
		[]string{"_UIApplicationMain", "_UIGraphicsBeginImageContextWithOptions", "_UIImagePNGRepresentation", "_$s5UIKit17UIApplicationMainys5Int32VAD_SpySpys4Int8VGGSgSSSgAJtF"},
		[]string{"-[UIApplication _run]", "-[UIApplication sendEvent:]", "-[UIViewController viewDidLoad]", "-[UIViewController loadViewIfRequired]", "-[UIView(CALayerDelegate) layoutSublayersOfLayer:]", "-[UIWindow makeKeyAndVisible]", "-[UIControl sendAction:to:forEvent:]", "-[UIApplication sendAction:to:from:forEvent:]", "-[UITableView _updateVisibleCellsNow:]"}},
	{"/usr/lib/system/libsystem_pthread.dylib",
		[]string{"_pthread_kill", "_pthread_create", "_pthread_join", "_pthread_mutex_lock", "_pthread_mutex_unlock", "_pthread_self", "_start_wqthread", "_thread_start"},
		[]string{"__pthread_start", "__pthread_wqthread", "__pthread_mutex_firstfit_lock_slow"}},
	{"/usr/lib/system/libsystem_platform.dylib",
		[]string{"__platform_memmove", "__platform_strlen", "__platform_memset", "_OSAtomicAdd32", "__os_unfair_lock_lock"},
		[]string{"__os_unfair_lock_lock_slow", "__os_once_callout"}},
	{"/usr/lib/system/libsystem_malloc.dylib",
		[]string{"_malloc", "_free", "_calloc", "_realloc", "_malloc_zone_malloc", "_malloc_size"},
		[]string{"_szone_malloc", "_nanov2_malloc", "_tiny_malloc_should_clear", "_free_tiny"}},
	{"/usr/lib/libobjc.A.dylib",
		[]string{"_objc_msgSend", "_objc_retain", "_objc_release", "_objc_autoreleasePoolPush", "_objc_autoreleasePoolPop", "_objc_exception_throw", "_objc_alloc_init", "_object_getClass"},
		[]string{"__objc_init", "__ZL24lookUpImpOrForwardTryCacheP11objc_objectP13objc_selectorP10objc_classi", "__objc_terminate", "_map_images"}},
	{"/usr/lib/system/libdispatch.dylib",
		[]string{"_dispatch_async", "_dispatch_sync", "_dispatch_once", "_dispatch_after", "_dispatch_queue_create", "_dispatch_main"},
		[]string{"__dispatch_call_block_and_release", "__dispatch_client_callout", "__dispatch_main_queue_drain", "__dispatch_lane_serial_drain", "__dispatch_worker_thread2", "__dispatch_root_queue_drain"}},
	{"/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation",
		[]string{"_CFRunLoopRunSpecific", "_CFRelease", "_CFRetain", "_CFStringCreateWithCString", "_CFDictionaryGetValue", "_CFRunLoopRun"},
		[]string{"___CFRunLoopRun", "___CFRunLoopDoSources0", "___CFRUNLOOP_IS_CALLING_OUT_TO_A_SOURCE0_PERFORM_FUNCTION__", "___CFRunLoopServiceMachPort", "___exceptionPreprocess", "___CFRUNLOOP_IS_CALLING_OUT_TO_A_BLOCK__"}},
	{"/usr/lib/libSystem.B.dylib", []string{"_mach_init_routine"}, []string{"_libSystem_initializer"}},
	{"/System/Library/Frameworks/GraphicsServices.framework/GraphicsServices", []string{"_GSEventRunModal"}, nil},
	{"/usr/lib/libc++abi.dylib", []string{"___cxa_throw", "___cxa_rethrow", "___cxa_begin_catch"}, []string{"__ZSt11__terminatePFvvE", "__ZN10__cxxabiv1L22failed_throw_exceptionEPNS_15__cxa_exceptionE"}},
	{"/usr/lib/libc++.1.dylib", []string{"__ZNSt3__16vectorIiNS_9allocatorIiEEE9push_backEOi", "__ZNSt3__112basic_stringIcNS_11char_traitsIcEENS_9allocatorIcEEE6appendEPKc"}, nil},
	{"/System/Library/Frameworks/Security.framework/Security", []string{"_SecItemCopyMatching", "_SecTrustEvaluateWithError"}, nil},
	{"/usr/lib/swift/libswiftCore.dylib", []string{"_$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_SSAHSus6UInt32VtF", "_swift_retain", "_swift_release"}, []string{"_$ss17_assertionFailure__4file4line5flagss5NeverOs12StaticStringV_SSAHSus6UInt32VtFySRys5UInt8VGXEfU_yAMXEfU_"}},
	{"/System/Library/Frameworks/SwiftUI.framework/SwiftUI", []string{"_$s7SwiftUI4ViewPAAE7paddingyQrAA4EdgeO3SetV_12CoreGraphics7CGFloatVSgtF"}, nil},
}

// Word lists for generated names.
var (
	nameVerbs = []string{"get", "set", "create", "copy", "release", "retain", "init", "add", "remove", "update",
		"handle", "process", "dispatch", "perform", "load", "store", "find", "lookup", "register", "unregister",
		"validate", "apply", "compute", "encode", "decode", "parse", "write", "read", "open", "close", "flush",
		"reset", "start", "stop", "begin", "end", "enumerate", "resolve", "notify", "post", "observe", "schedule",
		"cancel", "suspend", "resume", "sync", "convert", "map", "filter", "sort", "prepare", "invalidate", "draw"}
	nameNouns = []string{"Buffer", "Queue", "Object", "String", "Array", "Dictionary", "Context", "Session",
		"Connection", "Request", "Response", "Handler", "Observer", "Manager", "Controller", "View", "Layer",
		"Image", "Font", "Color", "Path", "Port", "Thread", "Lock", "Cache", "Entry", "Record", "Table", "Index",
		"Node", "Tree", "Graph", "Stream", "Socket", "Timer", "Event", "Source", "Value", "Data", "Key", "Token",
		"Policy", "Config", "State", "Info", "Descriptor", "Attribute", "Property", "Method", "Selector", "Block",
		"Task", "Job", "Item", "Group", "Set", "List", "Map", "Pool", "Zone", "Page", "Region", "Segment",
		"Symbol", "Module", "Bundle", "Service", "Client", "Server", "Proxy", "Delegate", "Transaction",
		"Operation", "Notification", "Message", "Channel", "Pipe", "File", "Directory", "Volume", "Device",
		"Display", "Screen", "Window", "Scene", "Gesture", "Touch", "Animation", "Transform", "Matrix", "Vector",
		"Point", "Size", "Rect", "Range", "Date", "Locale", "Calendar", "Number", "Decimal", "URL", "Host"}
	frameworkHeads = []string{"Core", "Media", "Audio", "Video", "Network", "Cloud", "Health", "Home", "Photo",
		"Map", "Text", "Speech", "Vision", "Sound", "Game", "Metal", "Web", "Mail", "Contact", "Calendar",
		"Device", "Sensor", "Motion", "Location", "Search", "Spot", "Share", "Sync", "Account", "Asset",
		"Store", "Print", "File", "Data", "Intent", "Widget", "Watch", "Pass", "Wallet", "News"}
	frameworkTails = []string{"Kit", "Services", "Foundation", "Support", "Core", "UI", "Daemon", "Agent",
		"Utilities", "Framework", "Engine", "Manager", "Bridge", "Client", "Server", "Model", "Graphics",
		"Analytics", "Intelligence", "Connectivity", "Storage", "Protocol", "Shared", "Internal", "Proxy",
		"Runtime", "Platform", "Logging", "Rendering", "Library", "Plugin", "Helper", "Common", "Base",
		"Tools", "Access", "Suggestions", "Metadata", "Events", "Sync"}
	cppParams  = []string{"v", "Pv", "PKc", "m", "i", "b", "PKvm", "jj", "RKNS_6StringE"}
	undefNames = []string{"___stack_chk_fail", "___stack_chk_guard", "_bzero", "_dispatch_once", "_free", "_malloc", "_memcpy", "_objc_msgSend", "_objc_release", "_objc_retain"}
)

// imageNames holds what the name generator needs to know about one image.
type imageNames struct {
	stem     string // "Foundation", "libsystem_kernel", "CoreMediaKit"
	prefix   string // C function prefix: "CMK" or "libsystem_kernel"-derived "sk"
	system   bool   // a /usr/lib dylib: C and C++ names only
	known    *knownImage
	nextExp  int
	nextLoc  int
	seen     map[string]struct{}
	scratch  []byte
	swiftMod string
}

// imagePath returns the install name of image i; the first ones are real,
// the rest are made-up frameworks and dylibs, unique across the cache.
func imagePath(i int) string {
	if i < len(knownImages) {
		return knownImages[i].path
	}
	j := i - len(knownImages)
	n := len(frameworkHeads) * len(frameworkTails)
	name := frameworkHeads[j%len(frameworkHeads)] + frameworkTails[(j/len(frameworkHeads))%len(frameworkTails)]
	if j >= n {
		name += strconv.Itoa(j / n)
	}
	switch j % 5 {
	case 0, 1, 2:
		return "/System/Library/PrivateFrameworks/" + name + ".framework/" + name
	case 3:
		return "/System/Library/Frameworks/" + name + ".framework/" + name
	}
	return "/usr/lib/lib" + strings.ToLower(name) + ".dylib"
}

// stemOf returns the image name without directory, "lib" prefix or suffix.
func stemOf(path string) string {
	s := path[strings.LastIndexByte(path, '/')+1:]
	s = strings.TrimSuffix(s, ".dylib")
	if i := strings.IndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	return s
}

// reset prepares n for image i, keeping its storage.
func (n *imageNames) reset(i int, path string, funcs int) {
	if n.seen == nil {
		n.seen = make(map[string]struct{}, funcs+32)
	}
	clear(n.seen)
	n.stem = stemOf(path)
	n.known = nil
	n.nextExp, n.nextLoc = 0, 0
	if i < len(knownImages) {
		n.known = &knownImages[i]
	}
	n.system = strings.HasPrefix(path, "/usr/lib/")
	// Swift module names are identifiers: keep letters only.
	var mod []byte
	for _, c := range []byte(strings.TrimPrefix(n.stem, "lib")) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			mod = append(mod, c)
		}
	}
	if len(mod) == 0 {
		mod = []byte("Module")
	}
	if mod[0] >= 'a' {
		mod[0] -= 'a' - 'A'
	}
	n.swiftMod = string(mod)
	// Apple-style C prefix: the capitals of the module name ("CoreMediaKit" →
	// "CMK"), or for system dylibs a lowercase snake prefix.
	if n.system {
		p := strings.TrimPrefix(n.stem, "lib")
		if k := strings.IndexByte(p, '_'); k >= 0 {
			p = p[k+1:]
		}
		n.prefix = strings.ToLower(p)
	} else {
		var caps []byte
		for _, c := range mod {
			if c >= 'A' && c <= 'Z' {
				caps = append(caps, c)
			}
		}
		if len(caps) < 2 {
			caps = mod[:min(2, len(mod))]
		}
		n.prefix = string(caps)
	}
	for _, s := range n.knownAll() {
		n.seen[s] = struct{}{}
	}
}

func (n *imageNames) knownAll() []string {
	if n.known == nil {
		return nil
	}
	return append(append([]string(nil), n.known.exported...), n.known.local...)
}

// exportedName returns the next exported function name: a curated one while
// they last, then a generated C, C++ or Swift name unique in the image.
func (n *imageNames) exportedName(r *rng) string {
	if n.known != nil && n.nextExp < len(n.known.exported) {
		n.nextExp++
		return n.known.exported[n.nextExp-1]
	}
	x := r.intn(100)
	switch {
	case n.system && x < 85, !n.system && x < 55:
		return n.unique(r, styleC)
	case n.system || x < 75:
		return n.unique(r, styleCpp)
	}
	return n.unique(r, styleSwift)
}

// localName returns the next local function name: Objective-C methods,
// static C functions, C++ and Swift implementation details.
func (n *imageNames) localName(r *rng) string {
	if n.known != nil && n.nextLoc < len(n.known.local) {
		n.nextLoc++
		return n.known.local[n.nextLoc-1]
	}
	x := r.intn(100)
	switch {
	case n.system && x < 65:
		return n.unique(r, styleCStatic)
	case n.system:
		return n.unique(r, styleCpp)
	case x < 50:
		return n.unique(r, styleObjC)
	case x < 70:
		return n.unique(r, styleCStatic)
	case x < 85:
		return n.unique(r, styleCpp)
	}
	return n.unique(r, styleSwift)
}

type nameStyle int

const (
	styleC nameStyle = iota
	styleCStatic
	styleCpp
	styleObjC
	styleSwift
)

// unique draws a name of the given style, adding a counter to its last
// identifier until it is new in this image.
func (n *imageNames) unique(r *rng, st nameStyle) string {
	verb, noun, noun2 := pick(r, nameVerbs), pick(r, nameNouns), pick(r, nameNouns)
	param := pick(r, cppParams)
	classMethod := r.intn(8) == 0
	args := r.intn(3)
	for k := 0; ; k++ {
		b := n.render(st, verb, noun, noun2, param, classMethod, args, k)
		if _, dup := n.seen[string(b)]; !dup {
			s := string(b)
			n.seen[s] = struct{}{}
			return s
		}
	}
}

// render writes one name into n.scratch. k > 0 is appended to the last
// identifier so that mangled names stay well-formed.
func (n *imageNames) render(st nameStyle, verb, noun, noun2, param string, classMethod bool, args, k int) []byte {
	b := n.scratch[:0]
	suffix := ""
	if k > 0 {
		suffix = strconv.Itoa(k + 1)
	}
	switch st {
	case styleC:
		b = append(b, '_')
		if n.system {
			b = append(b, n.prefix...)
			b = append(b, '_')
			b = append(b, verb...)
			b = append(b, '_')
			b = appendLower(b, noun)
		} else {
			b = append(b, n.prefix...)
			b = append(b, noun...)
			b = appendUpperFirst(b, verb)
			b = append(b, noun2...)
		}
		b = append(b, suffix...)
	case styleCStatic:
		b = append(b, "__"...)
		b = append(b, verb...)
		b = append(b, '_')
		b = appendLower(b, noun)
		b = append(b, '_')
		b = appendLower(b, noun2)
		b = append(b, suffix...)
	case styleCpp:
		// __ZN<ns><class><method>E<params>: ns::Class::method(params).
		b = append(b, "__ZN"...)
		b = appendLenIdent(b, n.swiftMod, "")
		b = appendLenIdent(b, noun+noun2, "")
		b = appendLenIdent(b, verb+noun, suffix)
		b = append(b, 'E')
		b = append(b, param...)
	case styleObjC:
		if classMethod {
			b = append(b, "+["...)
		} else {
			b = append(b, "-["...)
		}
		b = append(b, n.prefix...)
		b = append(b, noun...)
		b = append(b, noun2...)
		b = append(b, ' ')
		b = append(b, verb...)
		b = append(b, noun...)
		b = append(b, suffix...)
		if args > 0 {
			b = append(b, ':')
		}
		if args > 1 {
			b = append(b, "with"...)
			b = append(b, noun2...)
			b = append(b, ':')
		}
		b = append(b, ']')
	case styleSwift:
		// _$s<module><type>V<method>yyF: Module.Type.method() -> ().
		b = append(b, "_$s"...)
		b = appendLenIdent(b, n.swiftMod, "")
		b = appendLenIdent(b, noun+noun2, "")
		if classMethod {
			b = append(b, 'C')
		} else {
			b = append(b, 'V')
		}
		b = appendLenIdent(b, verb+noun, suffix)
		b = append(b, "yyF"...)
	}
	n.scratch = b
	return b
}

func appendLenIdent(b []byte, id, suffix string) []byte {
	b = strconv.AppendInt(b, int64(len(id)+len(suffix)), 10)
	b = append(b, id...)
	return append(b, suffix...)
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func appendUpperFirst(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	c := s[0]
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	return append(append(b, c), s[1:]...)
}
