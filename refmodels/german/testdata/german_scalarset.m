-- german_scalarset.m : Steven German's directory-based cache coherence
-- protocol, the same model as german.m (same rules, guards, updates, start
-- state and invariants) but WITH symmetry over the client nodes: NODE is a
-- scalarset, and "no node" in CurPtr is the undefined value (undefine CurPtr /
-- isundefined(CurPtr)) instead of german.m's NONE = NODES, which would break
-- the symmetry.  DATA stays a plain subrange (0 = no data), as in german.m,
-- and there is exactly ONE start state (MemData = AuxData = 1).
--
-- With --symmetry-reduction off Rumur must reach exactly as many states as
-- on german.m; with --symmetry-reduction exhaustive, one state per orbit of
-- the node permutations (refmodels/german/rumur_test.go checks both).
--
-- Exploring every state of this model must find no error.
--
-- The benchmark driver rewrites the next line (keep the exact spelling).
const NODES : 3;
const
  DATA_NUM : 2;           -- number of real data values

type
  NODE        : scalarset(NODES);
  DATA        : 0 .. DATA_NUM;       -- 0 = no data, 1..DATA_NUM real values
  DVAL        : 1 .. DATA_NUM;
  CACHE_STATE : enum { I, S, E };
  MSG_CMD     : enum { Empty, ReqS, ReqE, Inv, InvAck, GntS, GntE };
  CACHE       : record State : CACHE_STATE; Data : DATA; end;
  MSG         : record Cmd : MSG_CMD; Data : DATA; end;

var
  Cache   : array [NODE] of CACHE;   -- client caches
  Chan1   : array [NODE] of MSG;     -- client -> home : ReqS / ReqE
  Chan2   : array [NODE] of MSG;     -- home -> client : Inv / GntS / GntE
  Chan3   : array [NODE] of MSG;     -- client -> home : InvAck
  InvSet  : array [NODE] of boolean; -- nodes still to be invalidated
  ShrSet  : array [NODE] of boolean; -- nodes holding (or being granted) a copy
  ExGntd  : boolean;                 -- exclusive copy granted
  CurCmd  : MSG_CMD;                 -- request being served by home
  CurPtr  : NODE;                    -- requester being served (undefined: none)
  MemData : DATA;                    -- memory value
  AuxData : DATA;                    -- ghost: latest value written by anyone

startstate "Init"
begin
  for i : NODE do
    Cache[i].State := I;  Cache[i].Data := 0;
    Chan1[i].Cmd := Empty; Chan1[i].Data := 0;
    Chan2[i].Cmd := Empty; Chan2[i].Data := 0;
    Chan3[i].Cmd := Empty; Chan3[i].Data := 0;
    InvSet[i] := false;
    ShrSet[i] := false;
  end;
  ExGntd  := false;
  CurCmd  := Empty;
  undefine CurPtr;
  MemData := 1;
  AuxData := 1;
end;

-- client i asks for a shared copy
ruleset i : NODE do
rule "SendReqS"
  Chan1[i].Cmd = Empty & Cache[i].State = I
==>
begin
  Chan1[i].Cmd := ReqS;
end; end;

-- client i asks for an exclusive copy
ruleset i : NODE do
rule "SendReqE"
  Chan1[i].Cmd = Empty & (Cache[i].State = I | Cache[i].State = S)
==>
begin
  Chan1[i].Cmd := ReqE;
end; end;

-- home picks up a ReqS
ruleset i : NODE do
rule "RecvReqS"
  CurCmd = Empty & Chan1[i].Cmd = ReqS
==>
begin
  CurCmd := ReqS;
  CurPtr := i;
  Chan1[i].Cmd := Empty;
  for j : NODE do InvSet[j] := ShrSet[j]; end;
end; end;

-- home picks up a ReqE
ruleset i : NODE do
rule "RecvReqE"
  CurCmd = Empty & Chan1[i].Cmd = ReqE
==>
begin
  CurCmd := ReqE;
  CurPtr := i;
  Chan1[i].Cmd := Empty;
  for j : NODE do InvSet[j] := ShrSet[j]; end;
end; end;

-- home sends an invalidation to i
ruleset i : NODE do
rule "SendInv"
  Chan2[i].Cmd = Empty & InvSet[i] &
  (CurCmd = ReqE | (CurCmd = ReqS & ExGntd))
==>
begin
  Chan2[i].Cmd := Inv;
  InvSet[i] := false;
end; end;

-- client i acknowledges an invalidation (writing back its data if exclusive)
ruleset i : NODE do
rule "SendInvAck"
  Chan2[i].Cmd = Inv & Chan3[i].Cmd = Empty
==>
begin
  Chan2[i].Cmd := Empty;
  Chan3[i].Cmd := InvAck;
  if Cache[i].State = E then Chan3[i].Data := Cache[i].Data; end;
  Cache[i].State := I;
  Cache[i].Data := 0;
end; end;

-- home receives the acknowledgement
ruleset i : NODE do
rule "RecvInvAck"
  Chan3[i].Cmd = InvAck & CurCmd != Empty
==>
begin
  Chan3[i].Cmd := Empty;
  ShrSet[i] := false;
  if ExGntd then
    ExGntd := false;
    MemData := Chan3[i].Data;
  end;
  Chan3[i].Data := 0;
end; end;

-- home grants a shared copy
ruleset i : NODE do
rule "SendGntS"
  CurCmd = ReqS & !isundefined(CurPtr) & CurPtr = i & Chan2[i].Cmd = Empty & !ExGntd
==>
begin
  Chan2[i].Cmd := GntS;
  Chan2[i].Data := MemData;
  ShrSet[i] := true;
  CurCmd := Empty;
  undefine CurPtr;
end; end;

-- home grants an exclusive copy
ruleset i : NODE do
rule "SendGntE"
  CurCmd = ReqE & !isundefined(CurPtr) & CurPtr = i & Chan2[i].Cmd = Empty & !ExGntd &
  (forall j : NODE do !ShrSet[j] end)
==>
begin
  Chan2[i].Cmd := GntE;
  Chan2[i].Data := MemData;
  ShrSet[i] := true;
  ExGntd := true;
  CurCmd := Empty;
  undefine CurPtr;
end; end;

-- client i receives a shared grant
ruleset i : NODE do
rule "RecvGntS"
  Chan2[i].Cmd = GntS
==>
begin
  Cache[i].State := S;
  Cache[i].Data := Chan2[i].Data;
  Chan2[i].Cmd := Empty;
  Chan2[i].Data := 0;
end; end;

-- client i receives an exclusive grant
ruleset i : NODE do
rule "RecvGntE"
  Chan2[i].Cmd = GntE
==>
begin
  Cache[i].State := E;
  Cache[i].Data := Chan2[i].Data;
  Chan2[i].Cmd := Empty;
  Chan2[i].Data := 0;
end; end;

-- the exclusive owner writes value d
ruleset i : NODE; d : DVAL do
rule "Store"
  Cache[i].State = E
==>
begin
  Cache[i].Data := d;
  AuxData := d;
end; end;

-- at most one exclusive copy, and never an exclusive copy next to a shared one
invariant "CntrlProp"
  forall i : NODE do forall j : NODE do
    i != j ->
      ((Cache[i].State = E -> Cache[j].State = I) &
       (Cache[i].State = S -> (Cache[j].State = I | Cache[j].State = S)))
  end end;

-- memory holds the latest value unless an exclusive copy is out; every valid
-- cached copy holds the latest value
invariant "DataProp"
  (!ExGntd -> MemData = AuxData) &
  (forall i : NODE do Cache[i].State != I -> Cache[i].Data = AuxData end);
